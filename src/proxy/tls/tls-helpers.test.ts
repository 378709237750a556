import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTlsClientHello } from './client-hello.js';
import { createSessionCache } from './session-cache.js';
import { classifyTlsError, tlsError, tlsFailureReasons } from './tls-errors.js';

test('a TLS ClientHello is told apart from plaintext protocols by its first bytes', () => {
  assert.equal(isTlsClientHello(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])), true);
  assert.equal(isTlsClientHello(Buffer.from([0x16, 0x03, 0x03])), true);
  assert.equal(isTlsClientHello(Buffer.from([0x16])), true);
  assert.equal(isTlsClientHello(Buffer.from([0x16, 0x03])), true);
  assert.equal(isTlsClientHello(Buffer.from([0x16, 0x02])), false);
  assert.equal(isTlsClientHello(Buffer.from([0x16, 0x03, 0x09])), false);
  assert.equal(isTlsClientHello(Buffer.alloc(0)), false);
  for (const plain of ['GET / HTTP/1.1\r\n', 'PRI * HTTP/2.0\r\n', '*1\r\n$4\r\nPING\r\n', 'SSH-2.0-x']) {
    assert.equal(isTlsClientHello(Buffer.from(plain)), false, plain);
  }
});

test('TLS errors map to the closed set of reasons', () => {
  const e = (code: string): Error => Object.assign(new Error('x'), { code });
  assert.equal(classifyTlsError(e('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE')), 'no_client_cert');
  assert.equal(classifyTlsError(e('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')), 'no_client_cert');
  assert.equal(classifyTlsError(e('UNABLE_TO_VERIFY_LEAF_SIGNATURE')), 'unknown_ca');
  assert.equal(classifyTlsError(e('CERT_HAS_EXPIRED')), 'expired');
  assert.equal(classifyTlsError(e('CERT_NOT_YET_VALID')), 'not_yet_valid');
  assert.equal(classifyTlsError(tlsError('WEFT_TLS_PEER_IDENTITY', 'bad')), 'bad_identity');
  assert.equal(classifyTlsError(e('ERR_SSL_UNSUPPORTED_PROTOCOL')), 'protocol_version');
  assert.equal(classifyTlsError(e('ERR_SSL_HTTP_REQUEST')), 'plaintext');
  assert.equal(classifyTlsError(e('ERR_SSL_WRONG_VERSION_NUMBER')), 'plaintext');
  assert.equal(classifyTlsError(e('ECONNRESET')), 'other');
  assert.equal(classifyTlsError('nonsense'), 'other');
  assert.equal(classifyTlsError(null), 'other');
  // The server side of a TLS 1.3 chain failure: the reason is on the socket.
  assert.equal(classifyTlsError(e('ECONNRESET'), { authorizationError: 'CERT_HAS_EXPIRED' }), 'expired');
  assert.equal(classifyTlsError(e('ECONNRESET'), { authorizationError: { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' } }), 'unknown_ca');
  assert.equal(classifyTlsError(e('ECONNRESET'), {}), 'other');
  assert.equal(new Set(tlsFailureReasons).size, 8);
});

test('the session cache keeps the newest sessions up to its size', () => {
  const cache = createSessionCache(2);
  cache.set('a', Buffer.from('1'));
  cache.set('b', Buffer.from('2'));
  cache.set('a', Buffer.from('3')); // refresh a: b is now the oldest
  cache.set('c', Buffer.from('4'));
  assert.equal(cache.size, 2);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a')?.toString(), '3');
  assert.equal(cache.get('c')?.toString(), '4');
  cache.clear();
  assert.equal(cache.size, 0);
});
