import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createManualClock } from '../../core/clock.js';
import { arrayBufferBytes, createHeapGovernor, eventLoopBusyShare, exposedGc, v8OldSpaceUsed } from './heap-governor.js';
import { defaultHeapSlackPolicy } from './heap-slack.js';

const MB = 1024 * 1024;

test('collects when the old space passes live + slack, then trims malloc, and counts it', () => {
  const clock = createManualClock();
  let used = 6 * MB;
  const calls: string[] = [];
  const g = createHeapGovernor({
    clock,
    oldSpaceUsed: () => used,
    gc: () => {
      calls.push('gc');
      clock.advance(12);
      used = 6.5 * MB;
    },
    mallocTrim: () => {
      calls.push('trim');
      return 1;
    },
  }, defaultHeapSlackPolicy);
  assert.equal(g.check(), undefined, 'first sample');
  for (const mb of [7, 8, 9]) {
    used = mb * MB;
    clock.advance(1000);
    assert.equal(g.check(), undefined, `${mb} MB is within 6 + 3`);
  }
  used = 9.5 * MB;
  clock.advance(1000);
  const c = g.check();
  assert.deepEqual(c, { usedBeforeBytes: 9.5 * MB, usedAfterBytes: 6.5 * MB, durationMs: 12 });
  assert.deepEqual(calls, ['gc', 'trim']);
  assert.deepEqual(g.stats(), { collections: 1, collectMsTotal: 12, liveBytes: 6.5 * MB });
  // The next line is 6.5 + 3 MB, and not before 2 s have passed.
  used = 12 * MB;
  clock.advance(1000);
  assert.equal(g.check(), undefined);
  clock.advance(1000);
  assert.ok(g.check() !== undefined);
  assert.equal(g.stats().collections, 2);
});

test('dead Buffers count: memory held by ArrayBuffers over the slack triggers a collection too', () => {
  const clock = createManualClock();
  const used = 6 * MB;
  let external = 1 * MB;
  let gcs = 0;
  const g = createHeapGovernor({
    clock,
    oldSpaceUsed: () => used,
    externalBytes: () => external,
    gc: () => {
      gcs++;
      external = 0.5 * MB;
    },
  }, defaultHeapSlackPolicy);
  g.check();
  external = 3.5 * MB;
  clock.advance(1000);
  assert.equal(g.check(), undefined, '7 MB live + 2.5 MB: within the slack (3.5 MB, half the live size)');
  external = 5 * MB;
  clock.advance(1000);
  const c = g.check();
  assert.equal(c?.usedBeforeBytes, 11 * MB, 'the old space looks clean, the Buffers it holds do not');
  assert.equal(c?.usedAfterBytes, 6.5 * MB);
  assert.equal(gcs, 1);
});

test('arrayBufferBytes follows the memory of live Buffers', () => {
  const before = arrayBufferBytes();
  const held = Buffer.allocUnsafeSlow(4 * MB);
  assert.ok(arrayBufferBytes() >= before + 4 * MB);
  held.fill(0);
});

test('a busy event loop holds the collection back until the loop is quiet again', () => {
  const clock = createManualClock();
  let used = 6 * MB;
  let busy = 0;
  let gcs = 0;
  const g = createHeapGovernor({ clock, oldSpaceUsed: () => used, loopUtilization: () => busy, gc: () => void gcs++ }, defaultHeapSlackPolicy);
  g.check();
  used = 12 * MB;
  busy = 0.95;
  for (let i = 0; i < 5; i++) {
    clock.advance(1000);
    assert.equal(g.check(), undefined, 'saturated: no forced collection');
  }
  busy = 0.08;
  clock.advance(1000);
  assert.ok(g.check() !== undefined, 'quiet again: the garbage is collected');
  assert.equal(gcs, 1);
});

test('eventLoopBusyShare: near 1 across a blocking stretch, low across a wait', async () => {
  const share = eventLoopBusyShare();
  const until = performance.now() + 80;
  while (performance.now() < until) {
    // the loop is busy: this callback has not returned
  }
  assert.ok(share() > 0.9, 'blocked for 80 ms');
  await sleep(200);
  assert.ok(share() < 0.5, 'waited on a timer');
});

test('exposedGc: the function when node has --expose-gc, a clear error when not', () => {
  let ran = 0;
  const found = exposedGc({ gc: () => ran++ });
  assert.ok(found.ok);
  found.value();
  assert.equal(ran, 1);
  const missing = exposedGc({});
  assert.ok(!missing.ok && missing.error.code === 'WEFT_RUNTIME_UNAVAILABLE' && missing.error.message.includes('--expose-gc'));
});

test('v8OldSpaceUsed reads a plausible size from this process', () => {
  const used = v8OldSpaceUsed();
  assert.ok(used > 100_000 && used < 4096 * MB, String(used));
});
