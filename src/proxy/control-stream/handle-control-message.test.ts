import { test } from 'node:test';
import assert from 'node:assert/strict';
import { weftError, type WeftError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import type { ProxySnapshot } from '../snapshot/proxy-snapshot.js';
import { formatProblems, handleControlMessage, type PatchApplier, type SnapshotTarget } from './handle-control-message.js';
import { baseMismatchReason } from './stream-protocol.js';

/** A target that accepts snapshots with a string version unless it is "bad". */
function fakeTarget(initial?: string): SnapshotTarget & { applied: unknown[] } {
  let version = initial;
  const applied: unknown[] = [];
  return {
    applied,
    current: () => (version === undefined ? undefined : ({ version } as unknown as ProxySnapshot)),
    apply(value): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>> {
      const v = (value as { version?: unknown }).version;
      if (typeof v !== 'string' || v === 'bad') return Promise.resolve(err([weftError('WEFT_CONFIG_INVALID', 'must be a string', 'snapshot: version'), weftError('WEFT_CONFIG_INVALID', 'missing')]));
      if (v === version) return Promise.resolve(ok('unchanged'));
      applied.push(value);
      version = v;
      return Promise.resolve(ok('applied'));
    },
  };
}

test('a snapshot that applies is acked with its version', async () => {
  const t = fakeTarget();
  const out = await handleControlMessage({ type: 'snapshot', snapshot: { version: 'v1' }, version: 'v1' }, t);
  assert.deepEqual(out, { kind: 'applied', version: 'v1', reply: { type: 'ack', version: 'v1' } });
  const again = await handleControlMessage({ type: 'snapshot', snapshot: { version: 'v1' }, version: 'v1' }, t);
  assert.deepEqual(again.kind === 'unchanged' && again.reply, { type: 'ack', version: 'v1' });
});

test('a snapshot that does not apply is nacked with every problem; the one in force stays', async () => {
  const t = fakeTarget('v1');
  const out = await handleControlMessage({ type: 'snapshot', snapshot: { version: 'bad' }, version: 'bad' }, t);
  assert.deepEqual(out, { kind: 'refused', version: 'bad', reason: 'snapshot: version: must be a string; missing', reply: { type: 'nack', version: 'bad', reason: 'snapshot: version: must be a string; missing' } });
  assert.equal(t.current()?.version, 'v1');
});

test('a patch on another base is nacked with base mismatch, with or without a patch applier', async () => {
  const t = fakeTarget('v1');
  const applier: PatchApplier = () => ok({ version: 'v3' });
  for (const a of [undefined, applier]) {
    const out = await handleControlMessage({ type: 'patch', patch: { base: 'v0', version: 'v3' } }, t, a);
    assert.equal(out.kind, 'refused');
    assert.ok(out.kind === 'refused' && out.reply.type === 'nack' && out.reason.startsWith(baseMismatchReason), JSON.stringify(out));
    assert.equal(out.kind === 'refused' && out.version, 'v3');
  }
  const none = await handleControlMessage({ type: 'patch', patch: { base: 'v1', version: 'v3' } }, fakeTarget());
  assert.ok(none.kind === 'refused' && none.reason.startsWith(baseMismatchReason));
  assert.deepEqual(t.applied, []);
});

test('without a patch applier even a patch on the right base asks for a full snapshot', async () => {
  const out = await handleControlMessage({ type: 'patch', patch: { base: 'v1', version: 'v2' } }, fakeTarget('v1'));
  assert.ok(out.kind === 'refused' && out.reason.startsWith(baseMismatchReason), JSON.stringify(out));
});

test('a patch on the right base goes through the applier and the target', async () => {
  const t = fakeTarget('v1');
  const seen: string[] = [];
  const applier: PatchApplier = (base, patch) => {
    seen.push(`${base.version}->${patch.version}`);
    return patch.version === 'v9' ? err('upsert[0]: no such service') : ok({ version: patch.version });
  };
  assert.deepEqual(await handleControlMessage({ type: 'patch', patch: { base: 'v1', version: 'v2' } }, t, applier), { kind: 'applied', version: 'v2', reply: { type: 'ack', version: 'v2' } });
  const refused = await handleControlMessage({ type: 'patch', patch: { base: 'v2', version: 'v9' } }, t, applier);
  assert.ok(refused.kind === 'refused' && refused.reason === 'base mismatch: the patch does not apply: upsert[0]: no such service');
  assert.deepEqual(seen, ['v1->v2', 'v2->v9']);
  assert.equal(t.current()?.version, 'v2');
});

test('an error from the control plane is reported, never answered', async () => {
  const out = await handleControlMessage({ type: 'error', code: 'WEFT_CONTROL_SUPERSEDED', message: 'newer stream' }, fakeTarget('v1'));
  assert.deepEqual(out, { kind: 'error', code: 'WEFT_CONTROL_SUPERSEDED', message: 'newer stream' });
});

test('long reasons are cut so the control plane keeps them whole', () => {
  const many = Array.from({ length: 100 }, (_, i) => weftError('WEFT_CONFIG_INVALID', `problem number ${i}`, `outbound.services[${i}]`));
  const text = formatProblems(many);
  assert.ok(text.length <= 901, `${text.length}`);
  assert.ok(text.endsWith('…'));
});
