import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyStatus } from '../../control/distributor/distributor.js';
import { certificateProblem, defaultMinValidity, formatRemaining, lastKnownCertificate } from './check.js';

test('remaining time shows the largest unit and the next', () => {
  assert.equal(formatRemaining(350), '350ms');
  assert.equal(formatRemaining(42_000), '42s');
  assert.equal(formatRemaining(9 * 60_000 + 59_999), '9m 59s');
  assert.equal(formatRemaining(2 * 3_600_000 + 5 * 60_000 + 7000), '2h 5m');
  assert.equal(formatRemaining(3_600_000), '1h');
  assert.equal(formatRemaining(-(86_400_000 + 3_600_000)), '1d 1h');
});

const proxy = (notAfter?: number): ProxyStatus => ({
  key: 'shop/web-0',
  identity: 'spiffe://cluster.local/ns/shop/sa/web',
  connected: true,
  ...(notAfter !== undefined ? { certificate: { spiffeId: 'spiffe://cluster.local/ns/shop/sa/web', notAfter, fingerprint: 'ab' } } : {}),
});

test('a certificate is expired, expiring under the minimum, valid long enough, or not reported', () => {
  const now = Date.UTC(2026, 0, 1);
  const min = 10 * 60_000;
  assert.equal(certificateProblem(proxy(), now, min), 'no certificate reported');
  assert.equal(certificateProblem(proxy(now - 90_000), now, min), 'certificate expired 1m 30s ago (2025-12-31T23:58:30.000Z)');
  assert.equal(certificateProblem(proxy(now), now, min), 'certificate expired 0ms ago (2026-01-01T00:00:00.000Z)');
  assert.equal(certificateProblem(proxy(now + 5 * 60_000), now, min), 'certificate expires in 5m (2026-01-01T00:05:00.000Z), under the minimum 10m');
  assert.equal(certificateProblem(proxy(now + min), now, min), undefined);
  assert.equal(certificateProblem(proxy(now + 24 * 3_600_000), now, min), undefined);
});

test('the default minimum validity is 10 minutes, or a third of a shorter certificate lifetime', () => {
  assert.equal(defaultMinValidity(undefined), 600_000);
  assert.equal(defaultMinValidity(24 * 3_600_000), 600_000);
  assert.equal(defaultMinValidity(60_000), 20_000);
});

test('a disconnected proxy: what it last reported of its certificate, expired or valid until when, or nothing', () => {
  const now = Date.UTC(2026, 0, 1);
  const gone = (notAfter?: number): ProxyStatus => ({ ...proxy(notAfter), connected: false });
  assert.equal(lastKnownCertificate(gone(), now), 'no certificate was reported');
  assert.equal(lastKnownCertificate(gone(now - 90_000), now), 'its last reported certificate expired 1m 30s ago (2025-12-31T23:58:30.000Z)');
  assert.equal(lastKnownCertificate(gone(now + 2 * 3_600_000 + 5 * 60_000), now), 'its last reported certificate is valid until 2026-01-01T02:05:00.000Z (2h 5m left)');
});
