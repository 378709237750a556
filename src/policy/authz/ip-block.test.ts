import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileIpBlocks, ipInBlocks, parseIpInto } from './ip-block.js';

function words(ip: string): number[] | undefined {
  const out = new Uint32Array(4);
  return parseIpInto(ip, out) ? [...out] : undefined;
}

test('parses IPv4, IPv6, compressed and mapped forms', () => {
  assert.deepEqual(words('10.1.2.3'), [0, 0, 0xffff, 0x0a010203]);
  assert.deepEqual(words('::ffff:10.1.2.3'), [0, 0, 0xffff, 0x0a010203]);
  assert.deepEqual(words('::1'), [0, 0, 0, 1]);
  assert.deepEqual(words('::'), [0, 0, 0, 0]);
  assert.deepEqual(words('fd00::'), [0xfd000000, 0, 0, 0]);
  assert.deepEqual(words('2001:db8:0:0:1:0:0:1'), [0x20010db8, 0, 0x00010000, 1]);
  assert.deepEqual(words('2001:DB8::1'), [0x20010db8, 0, 0, 1]);
  assert.deepEqual(words('fe80::1%eth0'), [0xfe800000, 0, 0, 1]);
  assert.deepEqual(words('255.255.255.255'), [0, 0, 0xffff, 0xffffffff]);
});

test('refuses malformed addresses', () => {
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', 'a.b.c.d', '1.2.3.4 ', ':::', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', 'g::1', '1:', '::1.2.3', '1:2:3:4:5:6:7:1.2.3.4']) {
    assert.equal(words(bad), undefined, bad);
  }
});

test('CIDR blocks match by prefix; IPv4 blocks match IPv4-mapped addresses', () => {
  const r = compileIpBlocks(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '0.0.0.0/0']);
  assert.ok('set' in r);
  const only = compileIpBlocks(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
  assert.ok('set' in only);
  const at = (ip: string): boolean => {
    const a = new Uint32Array(4);
    assert.ok(parseIpInto(ip, a));
    return ipInBlocks(only.set, a);
  };
  assert.equal(at('10.255.0.1'), true);
  assert.equal(at('::ffff:10.255.0.1'), true);
  assert.equal(at('11.0.0.1'), false);
  assert.equal(at('192.168.1.7'), true);
  assert.equal(at('192.168.1.8'), false);
  assert.equal(at('fdff::1'), true);
  assert.equal(at('fe00::1'), false);
  // 0.0.0.0/0 is every IPv4 address but no IPv6 one.
  const all4 = compileIpBlocks(['0.0.0.0/0']);
  assert.ok('set' in all4);
  const a = new Uint32Array(4);
  parseIpInto('203.0.113.9', a);
  assert.equal(ipInBlocks(all4.set, a), true);
  parseIpInto('2001:db8::1', a);
  assert.equal(ipInBlocks(all4.set, a), false);
});

test('refuses bad CIDR blocks, naming the first', () => {
  assert.deepEqual(compileIpBlocks(['10.0.0.0/8', '10.0.0.0/33']), { bad: 1 });
  assert.deepEqual(compileIpBlocks(['10.0.0.0/']), { bad: 0 });
  assert.deepEqual(compileIpBlocks(['fd00::/129']), { bad: 0 });
  assert.deepEqual(compileIpBlocks(['x/8']), { bad: 0 });
});
