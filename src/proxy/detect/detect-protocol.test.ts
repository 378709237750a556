import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectProtocol } from './detect-protocol.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

test('HTTP/1 method tokens followed by a space are http1', () => {
  for (const m of ['GET', 'POST', 'DELETE', 'OPTIONS', 'PROPFIND', 'M-SEARCH']) assert.equal(detectProtocol(b(`${m} / HTTP/1.1\r\n`)), 'http1', m);
  assert.equal(detectProtocol(b('GE')), 'need-more');
  assert.equal(detectProtocol(b('GET')), 'need-more');
});

test('the HTTP/2 preface is h2, and a prefix of it waits for more', () => {
  assert.equal(detectProtocol(b('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00')), 'h2');
  assert.equal(detectProtocol(b('PRI * HTT')), 'need-more');
  assert.equal(detectProtocol(b('PRI * HTTP/1.1\r\n')), 'http1');
});

test('TLS records, binary protocols and lower-case text are not HTTP', () => {
  assert.equal(detectProtocol(Buffer.from([0x16, 0x03, 0x01])), 'tls');
  assert.equal(detectProtocol(Buffer.from([0x16])), 'need-more');
  assert.equal(detectProtocol(b('*1\r\n$4\r\nPING\r\n')), 'tcp'); // Redis RESP
  assert.equal(detectProtocol(b('ping\r\n')), 'tcp');
  assert.equal(detectProtocol(b(' GET')), 'tcp');
  assert.equal(detectProtocol(b('AAAAAAAAAAAAAAAAAAAAAAAAAA')), 'tcp');
  assert.equal(detectProtocol(Buffer.alloc(0)), 'need-more');
});
