import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Random } from '../../core/random.js';
import { createSeededRandom } from '../../core/random.js';
import { defaultReconnectBackoff, reconnectDelay } from './reconnect-delay.js';

const fixed = (v: number): Random => ({ next: () => v });

test('the cap doubles per attempt from the base and stops at the maximum', () => {
  const top = fixed(0.999999);
  const caps = [1, 2, 3, 4, 5, 6, 7, 20, 1000].map((a) => reconnectDelay(a, top));
  assert.deepEqual(caps, [200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
});

test('full jitter: the lowest draw gives the minimum, a middle draw the middle', () => {
  assert.equal(reconnectDelay(1, fixed(0)), defaultReconnectBackoff.minMs);
  assert.equal(reconnectDelay(6, fixed(0)), defaultReconnectBackoff.minMs);
  assert.equal(reconnectDelay(6, fixed(0.5)), 2525);
  assert.equal(reconnectDelay(1, fixed(0.5), { baseMs: 1000, maxMs: 8000, minMs: 0 }), 500);
});

test('draws spread over the whole range and never leave it', () => {
  const random = createSeededRandom(7);
  const seen: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const d = reconnectDelay(10, random);
    assert.ok(d >= 50 && d <= 5000, `delay ${d}`);
    seen.push(d);
  }
  assert.ok(Math.min(...seen) < 300 && Math.max(...seen) > 4700, 'the jitter spans the range');
});

test('attempt 0 or negative is treated as the first', () => {
  assert.equal(reconnectDelay(0, fixed(0.999999)), 200);
  assert.equal(reconnectDelay(-3, fixed(0.999999)), 200);
});
