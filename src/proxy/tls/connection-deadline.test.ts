import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TIMER_DELAY_MS, connectionDeadline, planExpiry } from './connection-deadline.js';

test('a connection ends when the first of its two certificates expires; unreadable ones are ignored', () => {
  assert.equal(connectionDeadline(5000, 9000), 5000);
  assert.equal(connectionDeadline(9000, 5000), 5000);
  assert.equal(connectionDeadline(Number.NaN, 5000), 5000);
  assert.equal(connectionDeadline(5000, Number.NaN), 5000);
  assert.equal(connectionDeadline(Number.NaN, Number.NaN), undefined);
  assert.equal(connectionDeadline(0, 5000), 0, 'a known-bad 0 counts (ends at once)');
});

test('server side (no retire step): one wake at the deadline, then expire', () => {
  assert.deepEqual(planExpiry(1000, 6000, 0, false), { due: undefined, delayMs: 5000 });
  assert.deepEqual(planExpiry(5999, 6000, 0, false), { due: undefined, delayMs: 1 });
  assert.deepEqual(planExpiry(6000, 6000, 0, false), { due: 'expire', delayMs: 0 });
  assert.deepEqual(planExpiry(7000, 6000, 0, false), { due: 'expire', delayMs: 0 });
});

test('client side: retire ahead of the deadline, then expire at it', () => {
  assert.deepEqual(planExpiry(1000, 6000, 1000, false), { due: undefined, delayMs: 4000 });
  assert.deepEqual(planExpiry(5000, 6000, 1000, false), { due: 'retire', delayMs: 1000 });
  assert.deepEqual(planExpiry(5000, 6000, 1000, true), { due: undefined, delayMs: 1000 });
  assert.deepEqual(planExpiry(5500, 6000, 1000, false), { due: 'retire', delayMs: 500 }, 'a connection made inside the margin retires at once');
  assert.deepEqual(planExpiry(6000, 6000, 1000, false), { due: 'expire', delayMs: 0 }, 'a late wake expires without retiring first');
});

test('long lifetimes are waited for in steps setTimeout can take (24.8 days)', () => {
  const year = 365 * 24 * 3600 * 1000;
  assert.deepEqual(planExpiry(0, year, 0, false), { due: undefined, delayMs: MAX_TIMER_DELAY_MS });
  assert.deepEqual(planExpiry(0, year, 1000, false), { due: undefined, delayMs: MAX_TIMER_DELAY_MS });
  assert.deepEqual(planExpiry(year - MAX_TIMER_DELAY_MS - 1, year, 0, false), { due: undefined, delayMs: MAX_TIMER_DELAY_MS });
  assert.deepEqual(planExpiry(year - 10, year, 0, false), { due: undefined, delayMs: 10 });
});
