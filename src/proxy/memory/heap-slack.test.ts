import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterCollection, decideHeapSlack, defaultHeapSlackPolicy, initialHeapSlackState, nextAllowedAtMs, slackBytes, type HeapSlackPolicy } from './heap-slack.js';

const MB = 1024 * 1024;
const policy: HeapSlackPolicy = { minSlackBytes: 3 * MB, slackRatio: 0.5, minIntervalMs: 2000, maxTimeShare: 0.01, maxLoopUtilization: 0.5 };

test('the first sample sets the live estimate and never collects', () => {
  const d = decideHeapSlack(initialHeapSlackState, 40 * MB, 0, policy);
  assert.equal(d.collect, false);
  assert.equal(d.state.liveBytes, 40 * MB);
});

test('collects once the garbage passes the slack, not before', () => {
  let s = afterCollection(6 * MB, 0, 10);
  const at = (used: number, now: number): boolean => {
    const d = decideHeapSlack(s, used, now, policy);
    s = d.state;
    return d.collect;
  };
  assert.equal(at(8 * MB, 5000), false);
  assert.equal(at(9 * MB, 6000), false, 'exactly live + 3 MB is still within the slack');
  assert.equal(at(9 * MB + 1, 7000), true);
});

test('the slack grows with the live size (half of it), with a floor', () => {
  assert.equal(slackBytes(2 * MB, policy), 3 * MB);
  assert.equal(slackBytes(40 * MB, policy), 20 * MB);
  const s = afterCollection(40 * MB, 0, 30);
  assert.equal(decideHeapSlack(s, 55 * MB, 10_000, policy).collect, false);
  assert.equal(decideHeapSlack(s, 61 * MB, 10_000, policy).collect, true);
});

test('a smaller sample (V8 collected by itself) lowers the live estimate', () => {
  let s = afterCollection(10 * MB, 0, 10);
  s = decideHeapSlack(s, 7 * MB, 3000, policy).state;
  assert.equal(s.liveBytes, 7 * MB);
  assert.equal(decideHeapSlack(s, 10.5 * MB, 4000, policy).collect, false, 'the new line is 7 + 3.5 MB (half of 7)');
  assert.equal(decideHeapSlack(s, 10.6 * MB, 4000, policy).collect, true);
});

test('collections are spaced by the minimum interval and by their own cost', () => {
  const quick = afterCollection(6 * MB, 1000, 10);
  assert.equal(nextAllowedAtMs(quick, policy), 3000, '10 ms at 1 % would allow 1 s: the 2 s floor wins');
  assert.equal(decideHeapSlack(quick, 20 * MB, 2999, policy).collect, false);
  assert.equal(decideHeapSlack(quick, 20 * MB, 3000, policy).collect, true);
  const slow = afterCollection(6 * MB, 1000, 80);
  assert.equal(nextAllowedAtMs(slow, policy), 9000, '80 ms at 1 % of the time: 8 s apart');
  assert.equal(decideHeapSlack(slow, 20 * MB, 8999, policy).collect, false);
  assert.equal(nextAllowedAtMs(initialHeapSlackState, policy), Number.NEGATIVE_INFINITY);
});

test('a busy event loop defers the collection; the live estimate still follows', () => {
  const s = afterCollection(6 * MB, 0, 10);
  assert.equal(decideHeapSlack(s, 20 * MB, 10_000, policy, 0.9).collect, false, 'busy 90 % of the interval');
  assert.equal(decideHeapSlack(s, 20 * MB, 10_000, policy, 0.51).collect, false);
  assert.equal(decideHeapSlack(s, 20 * MB, 10_000, policy, 0.5).collect, true, 'exactly the limit is not busy');
  assert.equal(decideHeapSlack(s, 20 * MB, 10_000, policy, 0.1).collect, true, "a sidecar's usual load");
  assert.equal(decideHeapSlack(s, 20 * MB, 10_000, policy, Number.NaN).collect, true, 'an unknown share does not block');
  assert.equal(decideHeapSlack(s, 4 * MB, 10_000, policy, 0.9).state.liveBytes, 4 * MB);
});

test('nonsense samples change nothing', () => {
  const s = afterCollection(6 * MB, 0, 10);
  for (const used of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
    const d = decideHeapSlack(s, used, 100_000, policy);
    assert.equal(d.collect, false);
    assert.equal(d.state, s);
  }
});

test('the default policy is the documented one', () => {
  assert.deepEqual({ ...defaultHeapSlackPolicy }, { minSlackBytes: 3 * MB, slackRatio: 0.5, minIntervalMs: 2000, maxTimeShare: 0.01, maxLoopUtilization: 0.5 });
  assert.ok(Object.isFrozen(defaultHeapSlackPolicy));
});
