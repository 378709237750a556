/**
 * What the proxy does with one message from the control plane, and what it answers. A snapshot is
 * applied through the runtime (its validation, its generation swap) and answered with `ack` (applied,
 * or already in force) or `nack` with the reasons (the snapshot in force stays). A patch applies only
 * on top of the version in force: any other base gets `nack` with `base mismatch`, which makes the
 * control plane send the full snapshot. Transport-free, so the decisions are unit-tested alone.
 */
import type { WeftError } from '../../core/errors.js';
import type { Result } from '../../core/result.js';
import type { ProxySnapshot } from '../snapshot/proxy-snapshot.js';
import type { ReceivedControlMessage } from './parse-control-message.js';
import { baseMismatchReason, type ProxyMessage, type SnapshotPatch } from './stream-protocol.js';

/** Where snapshots go: the running proxy (or, before it runs, what starts it). */
export interface SnapshotTarget {
  /** The snapshot in force, if any. */
  current(): ProxySnapshot | undefined;
  /** Validates and applies; on error the snapshot in force stays. */
  apply(snapshot: unknown, reason: string): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>>;
}

/** Builds the snapshot a patch leads to from the one in force (the result is validated by `apply`). */
export type PatchApplier = (base: ProxySnapshot, patch: SnapshotPatch) => Result<unknown, string>;

export type HandledOutcome =
  | { readonly kind: 'applied' | 'unchanged'; readonly version: string; readonly reply: ProxyMessage }
  | { readonly kind: 'refused'; readonly version: string; readonly reason: string; readonly reply: ProxyMessage }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

/** NACK reasons stay short: the control plane keeps 1,000 characters. */
const MAX_REASON = 900;

/** One line of reasons from validation problems. */
export function formatProblems(problems: readonly WeftError[]): string {
  const text = problems.map((p) => (p.where === undefined ? p.message : `${p.where}: ${p.message}`)).join('; ');
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
}

const refuse = (version: string, reason: string): HandledOutcome => ({ kind: 'refused', version, reason, reply: { type: 'nack', version, reason } });

async function applyAndAnswer(target: SnapshotTarget, snapshot: unknown, version: string, reason: string): Promise<HandledOutcome> {
  const applied = await target.apply(snapshot, reason);
  if (!applied.ok) return refuse(version, formatProblems(applied.error));
  return { kind: applied.value, version, reply: { type: 'ack', version } };
}

/** Handles one message; `applyPatch` absent means this proxy takes full snapshots only. */
export async function handleControlMessage(message: ReceivedControlMessage, target: SnapshotTarget, applyPatch?: PatchApplier): Promise<HandledOutcome> {
  switch (message.type) {
    case 'snapshot':
      return applyAndAnswer(target, message.snapshot, message.version, 'control plane snapshot');
    case 'patch': {
      const { patch } = message;
      const current = target.current();
      if (current === undefined || current.version !== patch.base) {
        return refuse(patch.version, `${baseMismatchReason}: the proxy is on ${current === undefined ? 'no version' : current.version}, the patch is for ${patch.base}`);
      }
      if (applyPatch === undefined) return refuse(patch.version, `${baseMismatchReason}: this proxy applies full snapshots only`);
      const next = applyPatch(current, patch);
      // A patch that does not fit the snapshot in force means the control plane's idea of it is
      // wrong: say base mismatch, so that it sends the full snapshot at once.
      if (!next.ok) return refuse(patch.version, next.error.startsWith(baseMismatchReason) ? next.error : `${baseMismatchReason}: the patch does not apply: ${next.error}`);
      return applyAndAnswer(target, next.value, patch.version, 'control plane patch');
    }
    case 'error':
      return { kind: 'error', code: message.code, message: message.message };
  }
}
