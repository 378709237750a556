import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlMessage } from './parse-control-message.js';

test('a snapshot keeps its body undecided and names its version for the answer', () => {
  const r = parseControlMessage(JSON.stringify({ type: 'snapshot', snapshot: { version: 'v1', workload: {} } }));
  assert.deepEqual(r, { ok: true, value: { type: 'snapshot', snapshot: { version: 'v1', workload: {} }, version: 'v1' } });
  const noVersion = parseControlMessage(JSON.stringify({ type: 'snapshot', snapshot: 42 }));
  assert.ok(noVersion.ok && noVersion.value.type === 'snapshot' && noVersion.value.version === '');
});

test('a patch needs a base and a version, and lists where lists belong', () => {
  const r = parseControlMessage(JSON.stringify({ type: 'patch', base: 'v1', version: 'v2', upsert: [], remove: [{ namespace: 'a', name: 'b', port: 80 }] }));
  assert.ok(r.ok && r.value.type === 'patch');
  assert.deepEqual(r.value.patch, { base: 'v1', version: 'v2', upsert: [], remove: [{ namespace: 'a', name: 'b', port: 80 }] });
  assert.equal(parseControlMessage(JSON.stringify({ type: 'patch', version: 'v2' })).ok, false);
  assert.equal(parseControlMessage(JSON.stringify({ type: 'patch', base: 'v1', version: 'v2', upsert: {} })).ok, false);
});

test('an error keeps a known code, and anything else becomes "unknown"', () => {
  assert.deepEqual(parseControlMessage(JSON.stringify({ type: 'error', code: 'WEFT_CONTROL_IDENTITY_MISMATCH', message: 'no' })), { ok: true, value: { type: 'error', code: 'WEFT_CONTROL_IDENTITY_MISMATCH', message: 'no' } });
  assert.deepEqual(parseControlMessage(JSON.stringify({ type: 'error', code: 'NOPE' })), { ok: true, value: { type: 'error', code: 'unknown', message: 'no message' } });
});

test('not JSON, not an object, or an unknown type is refused with a reason', () => {
  assert.deepEqual(parseControlMessage('{'), { ok: false, error: 'a control message is not JSON' });
  assert.deepEqual(parseControlMessage('[1]'), { ok: false, error: 'a control message must be a JSON object' });
  assert.deepEqual(parseControlMessage('{"type":"hello"}'), { ok: false, error: 'unknown control message type "hello"' });
});
