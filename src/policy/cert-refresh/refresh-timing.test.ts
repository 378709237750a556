import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../core/clock.js';
import { createSeededRandom, type Random } from '../../core/random.js';
import { defaultRefreshTiming, delayUntilRenewal, renewalTime, retryDelay } from './refresh-timing.js';

const fixed = (v: number): Random => ({ next: () => v });
const HOUR = 3_600_000;

test('renewal is due at two-thirds of the life counted from receipt, jitter only earlier and bounded', () => {
  const cert = { receivedAt: 1_000_000, notAfter: 1_000_000 + 24 * HOUR };
  assert.equal(renewalTime(cert, fixed(0)), 1_000_000 + 16 * HOUR);
  // Largest jitter: 5% of the life earlier.
  assert.equal(renewalTime(cert, fixed(1)), 1_000_000 + 16 * HOUR - 0.05 * 24 * HOUR);
  const random = createSeededRandom(7);
  for (let i = 0; i < 1000; i++) {
    const at = renewalTime(cert, random);
    assert.ok(at <= 1_000_000 + 16 * HOUR && at > 1_000_000 + 16 * HOUR - 0.05 * 24 * HOUR - 1, `renewal at ${at}`);
  }
});

test('a 60 s certificate is renewed after 40 s on a manual clock, not before', () => {
  const clock = createManualClock(5_000_000);
  const cert = { receivedAt: clock.now(), notAfter: clock.now() + 60_000 };
  const noJitter = { ...defaultRefreshTiming, jitterFraction: 0 };
  assert.equal(delayUntilRenewal(cert, clock.now(), fixed(0.5), noJitter), 40_000);
  clock.advance(39_999);
  assert.equal(delayUntilRenewal(cert, clock.now(), fixed(0.5), noJitter), 1);
  clock.advance(1);
  assert.equal(delayUntilRenewal(cert, clock.now(), fixed(0.5), noJitter), 0);
  clock.advance(10_000);
  assert.equal(delayUntilRenewal(cert, clock.now(), fixed(0.5), noJitter), 0, 'overdue: now');
});

test('backdated notBefore does not matter: only receipt and notAfter count', () => {
  // An 8 s certificate backdated by 60 s would be "overdue" by notBefore; by receipt it is due in ~5.3 s.
  const d = delayUntilRenewal({ receivedAt: 100_000, notAfter: 108_000 }, 100_000, fixed(0));
  assert.equal(d, Math.round(8000 * (2 / 3)));
});

test('retry backoff doubles, with equal jitter, up to the cap', () => {
  const now = 0;
  for (let failures = 1; failures <= 12; failures++) {
    const cap = Math.min(60_000, 1000 * 2 ** (failures - 1));
    assert.equal(retryDelay(failures, now, undefined, fixed(0)), Math.max(100, Math.round(cap / 2)));
    const hi = retryDelay(failures, now, undefined, fixed(0.999999));
    assert.ok(hi < cap + 1 && hi >= cap / 2, `failures ${failures}: ${hi} within [${cap / 2}, ${cap})`);
  }
  assert.equal(retryDelay(1000, now, undefined, fixed(0)), 30_000, 'huge failure counts stay capped');
});

test('while the certificate is valid, the next try always comes before expiry', () => {
  const random = createSeededRandom(42);
  for (let i = 0; i < 2000; i++) {
    const now = Math.floor(random.next() * 1e9);
    const remaining = 201 + Math.floor(random.next() * 120_000);
    const failures = 1 + Math.floor(random.next() * 20);
    const d = retryDelay(failures, now, now + remaining, random);
    assert.ok(now + d < now + remaining, `failures ${failures}, ${remaining} ms left: retry after ${d}`);
    assert.ok(d >= defaultRefreshTiming.minDelayMs);
  }
  // With 10 s left and a 60 s backoff due, the retry comes after 5 s (half the time left).
  assert.equal(retryDelay(20, 0, 10_000, fixed(0.9)), 5000);
});

test('an expired certificate (or none) gets plain backoff, never below the minimum', () => {
  assert.equal(retryDelay(1, 10_000, 5_000, fixed(0)), 500);
  assert.equal(retryDelay(0, 0, undefined, fixed(0)), 500);
  assert.equal(retryDelay(1, 0, undefined, fixed(0), { ...defaultRefreshTiming, retryBaseMs: 10 }), 100);
});
