/**
 * The proxy's boundary for what the control plane sends on the stream: one line becomes a checked
 * message or a reason. A snapshot's body stays undecided here: the runtime validates it with the same
 * parser as a snapshot file (parse-proxy-snapshot), so there is one definition of a valid snapshot.
 */
import { isErrorCode, type ErrorCode } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import type { SnapshotPatch } from './stream-protocol.js';
import { isRecord } from '../../core/is-record.js';

/** A control message as received: snapshot bodies and patch sections not yet validated. */
export type ReceivedControlMessage =
  | { readonly type: 'snapshot'; readonly snapshot: unknown; /** The version the body names, if it names one (for the ACK/NACK). */ readonly version: string }
  | { readonly type: 'patch'; readonly patch: SnapshotPatch }
  | { readonly type: 'error'; readonly code: ErrorCode | 'unknown'; readonly message: string };

/** Parses one line (without its newline). */
export function parseControlMessage(line: string): Result<ReceivedControlMessage, string> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return err('a control message is not JSON');
  }
  if (!isRecord(value)) return err('a control message must be a JSON object');
  switch (value['type']) {
    case 'snapshot': {
      const snapshot = value['snapshot'];
      const version = isRecord(snapshot) && typeof snapshot['version'] === 'string' ? snapshot['version'] : '';
      return ok({ type: 'snapshot', snapshot, version });
    }
    case 'patch': {
      const { base, version } = value;
      if (typeof base !== 'string' || typeof version !== 'string') return err('a patch needs a base and a version');
      for (const list of ['upsert', 'remove'] as const) {
        if (value[list] !== undefined && !Array.isArray(value[list])) return err(`a patch's ${list} must be a list`);
      }
      // The sections are checked where they land: the patched snapshot goes through the snapshot parser.
      const { type: _type, ...patch } = value;
      return ok({ type: 'patch', patch: patch as unknown as SnapshotPatch });
    }
    case 'error': {
      const code = value['code'];
      const message = typeof value['message'] === 'string' ? value['message'] : 'no message';
      return ok({ type: 'error', code: typeof code === 'string' && isErrorCode(code) ? code : 'unknown', message });
    }
    default:
      return err(`unknown control message type ${JSON.stringify(value['type'])}`);
  }
}
