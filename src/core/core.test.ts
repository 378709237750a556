import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from './clock.js';
import { createSeededRandom } from './random.js';
import { errorCodes, isErrorCode, weftError } from './errors.js';
import { wireStatusOf } from './status-map.js';

test('manual clock moves only when told', () => {
  const clock = createManualClock(1000);
  assert.equal(clock.now(), 1000);
  clock.advance(250);
  assert.equal(clock.now(), 1250);
  assert.equal(clock.monotonic(), 250);
  assert.throws(() => clock.advance(-1), RangeError);
});

test('seeded random is deterministic and in [0, 1)', () => {
  const a = createSeededRandom(42);
  const b = createSeededRandom(42);
  for (let i = 0; i < 1000; i++) {
    const x = a.next();
    assert.equal(x, b.next());
    assert.ok(x >= 0 && x < 1);
  }
});

test('every error code maps to an HTTP and a gRPC status', () => {
  for (const code of Object.keys(errorCodes)) {
    assert.ok(isErrorCode(code));
    const status = wireStatusOf(code);
    assert.ok(status.http >= 400 && status.http < 600, code);
    assert.ok(status.grpc > 0 && status.grpc <= 16, code);
  }
  assert.equal(wireStatusOf('WEFT_AUTHZ_DENIED').http, 403);
  assert.equal(wireStatusOf('WEFT_AUTHZ_DENIED').grpc, 7);
  assert.deepEqual(weftError('WEFT_INTERNAL', 'x', 'here'), { code: 'WEFT_INTERNAL', message: 'x', where: 'here' });
  assert.equal(isErrorCode('NOPE'), false);
});
