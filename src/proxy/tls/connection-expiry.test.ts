import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expiredAtConnect } from './connection-expiry.js';
import { classifyTlsError } from './tls-errors.js';

test('a connection established at or after its deadline is an expired-certificate TLS failure', () => {
  assert.equal(expiredAtConnect(undefined, 5000), undefined);
  assert.equal(expiredAtConnect(5000, 4999), undefined);
  const e = expiredAtConnect(5000, 5000);
  assert.ok(e !== undefined);
  assert.equal(e.code, 'CERT_HAS_EXPIRED');
  assert.equal(classifyTlsError(e), 'expired');
  assert.match(e.message, /certificate expired: .*1970-01-01T00:00:05\.000Z/);
});
