import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derBitString, derLength, derObjectIdentifier, derSequence, derSmallInteger, derTlv } from './der.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('lengths: short form under 128, long form with the fewest octets above', () => {
  assert.equal(hex(derLength(0)), '00');
  assert.equal(hex(derLength(127)), '7f');
  assert.equal(hex(derLength(128)), '8180');
  assert.equal(hex(derLength(255)), '81ff');
  assert.equal(hex(derLength(256)), '820100');
  assert.equal(hex(derLength(70000)), '83011170');
  assert.throws(() => derLength(-1), RangeError);
});

test('object identifiers as OpenSSL encodes them', () => {
  assert.equal(hex(derObjectIdentifier('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  assert.equal(hex(derObjectIdentifier('2.5.29.17')), '0603551d11');
  assert.equal(hex(derObjectIdentifier('1.2.840.113549.1.9.14')), '06092a864886f70d01090e');
  assert.throws(() => derObjectIdentifier('3.1'), RangeError);
  assert.throws(() => derObjectIdentifier('1.x'), RangeError);
});

test('constructed values wrap their contents; a long body gets a long length', () => {
  assert.equal(hex(derSequence(derSmallInteger(0))), '3003020100');
  assert.equal(hex(derBitString(Uint8Array.of(0xab))), '030200ab');
  const big = derTlv(0x04, new Uint8Array(300));
  assert.equal(hex(big.subarray(0, 4)), '0482012c');
  assert.equal(big.length, 304);
});
