import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSeededRandom } from '../../core/random.js';
import { createTraceIds, formatTraceparent, parseTraceparent, traceIdOf } from './traceparent.js';
import { createCryptoRandomBytes, randomBytesFromRandom, type RandomBytes } from './random-bytes.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('parses a valid traceparent', () => {
  assert.deepEqual(parseTraceparent(VALID), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: 1 });
  assert.equal(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.flags, 0);
  assert.equal(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff')?.flags, 255);
});

test('accepts a future version, with or without extra fields, and re-emits version 00', () => {
  const future = `cc${VALID.slice(2)}-what-the-future-holds`;
  const ctx = parseTraceparent(future);
  assert.ok(ctx);
  assert.equal(formatTraceparent(ctx), VALID);
  assert.ok(parseTraceparent(`01${VALID.slice(2)}`));
  assert.equal(parseTraceparent(`cc${VALID.slice(2)}x`), undefined, 'extra data must follow a dash');
});

test('refuses invalid values', () => {
  const bad = [
    undefined,
    '',
    VALID.slice(0, 54),
    `${VALID}-`, // version 00 has exactly 55 characters
    `ff${VALID.slice(2)}`,
    VALID.toUpperCase(),
    VALID.replace('4bf92f3577b34da6a3ce929d0e0e4736', '00000000000000000000000000000000'),
    VALID.replace('00f067aa0ba902b7', '0000000000000000'),
    VALID.replace('-00f0', '_00f0'),
    VALID.replace('4bf9', '4bg9'),
    VALID.replace('-01', '-0x'),
    `0${VALID.slice(1, 2)}`,
    ` ${VALID.slice(1)}`,
    '00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01',
  ];
  for (const v of bad) assert.equal(parseTraceparent(v), undefined, String(v));
});

test('child keeps trace id and flags, makes a new parent id', () => {
  const ids = createTraceIds(randomBytesFromRandom(createSeededRandom(7)));
  const parent = parseTraceparent(VALID);
  assert.ok(parent);
  const child = ids.child(parent);
  assert.equal(child.traceId, parent.traceId);
  assert.equal(child.flags, 1);
  assert.notEqual(child.parentId, parent.parentId);
  assert.match(child.parentId, /^[0-9a-f]{16}$/);
  const header = formatTraceparent(child);
  assert.deepEqual(parseTraceparent(header), child);
});

test('outgoing: child of a valid header, a new not-sampled trace otherwise', () => {
  const ids = createTraceIds(randomBytesFromRandom(createSeededRandom(1)));
  const kept = ids.outgoing(VALID);
  assert.equal(kept.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  for (const incoming of [undefined, 'garbage']) {
    const fresh = ids.outgoing(incoming);
    assert.match(fresh.traceId, /^[0-9a-f]{32}$/);
    assert.match(fresh.parentId, /^[0-9a-f]{16}$/);
    assert.equal(fresh.flags, 0);
    assert.deepEqual(parseTraceparent(formatTraceparent(fresh)), fresh);
  }
  assert.equal(ids.newTrace(true).flags, 1);
});

test('ids are never all zero, even from a source that returns zeros first', () => {
  let calls = 0;
  const zerosThenOnes: RandomBytes = {
    fill(t) {
      t.fill(calls++ < 2 ? 0 : 1);
    },
  };
  const ctx = createTraceIds(zerosThenOnes).newTrace(false);
  assert.equal(ctx.traceId, '01'.repeat(16));
  assert.equal(ctx.parentId, '01'.repeat(8));
});

test('seeded ids are deterministic; crypto ids differ', () => {
  const a = createTraceIds(randomBytesFromRandom(createSeededRandom(3))).newTrace(false);
  const b = createTraceIds(randomBytesFromRandom(createSeededRandom(3))).newTrace(false);
  assert.deepEqual(a, b);
  const crypto = createTraceIds(createCryptoRandomBytes());
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) seen.add(crypto.newTrace(false).traceId);
  assert.equal(seen.size, 1000);
});

test('newTraceparent: a valid version-00 value, not all-zero ids, flags as asked, fresh each time', () => {
  const ids = createTraceIds(createCryptoRandomBytes());
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const value = ids.newTraceparent(i % 2 === 0);
    const ctx = parseTraceparent(value);
    assert.ok(ctx, value);
    assert.equal(ctx.flags, i % 2 === 0 ? 1 : 0);
    assert.equal(formatTraceparent(ctx), value);
    assert.equal(value.slice(3, 35), ctx.traceId);
    seen.add(ctx.traceId);
  }
  assert.equal(seen.size, 1000);
});

test('newTraceparent retries a source that returns zeros first', () => {
  let calls = 0;
  const zerosThenOnes: RandomBytes = {
    fill(t) {
      t.fill(calls++ < 2 ? 0 : 1);
    },
  };
  assert.equal(createTraceIds(zerosThenOnes).newTraceparent(false), `00-${'01'.repeat(16)}-${'01'.repeat(8)}-00`);
  // Only the parent id bytes zero: still retried.
  const parentZero: RandomBytes = {
    fill(t) {
      t.fill(1);
      if (calls++ === 3) t.fill(0, 16);
    },
  };
  calls = 3;
  assert.equal(createTraceIds(parentZero).newTraceparent(false), `00-${'01'.repeat(16)}-${'01'.repeat(8)}-00`);
});

test('crypto random bytes: any length, across pool refills', () => {
  const r = createCryptoRandomBytes();
  const big = new Uint8Array(10_000);
  r.fill(big);
  assert.ok(big.some((b) => b !== 0));
  const seen = new Set<string>();
  for (let i = 0; i < 600; i++) {
    const t = new Uint8Array(24);
    r.fill(t);
    seen.add(Buffer.from(t).toString('hex'));
  }
  assert.equal(seen.size, 600);
});

test('traceIdOf agrees with parseTraceparent', () => {
  for (const v of [VALID, VALID.toUpperCase(), 'garbage', '', `ff${VALID.slice(2)}`, `01${VALID.slice(2)}-more`, `00${VALID.slice(2)}-more`, VALID.replace('4bf9', '0000')]) {
    assert.equal(traceIdOf(v), parseTraceparent(v)?.traceId, v);
  }
});
