/**
 * The control plane's side of the proxy subscription stream: the messages are declared in
 * `src/proxy/control-stream/stream-protocol.ts` (both sides speak them); here, parsing what a proxy sends.
 */
import { err, ok, type Result } from '../../core/result.js';
import type { ProxyMessage } from '../../proxy/control-stream/stream-protocol.js';
import { isRecord } from '../../core/is-record.js';

export type { ControlMessage, ProxyMessage, SnapshotPatch } from '../../proxy/control-stream/stream-protocol.js';
export { subscribePath } from '../../proxy/control-stream/stream-protocol.js';

/** Parses one line from a proxy. */
export function parseProxyMessage(line: string): Result<ProxyMessage, string> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return err('a message is not JSON');
  }
  if (!isRecord(value)) return err('a message must be a JSON object');
  switch (value['type']) {
    case 'hello':
      return ok({ type: 'hello', registration: value['registration'] });
    case 'ack':
      return typeof value['version'] === 'string' ? ok({ type: 'ack', version: value['version'] }) : err('ack needs a version');
    case 'nack':
      return typeof value['version'] === 'string'
        ? ok({ type: 'nack', version: value['version'], reason: typeof value['reason'] === 'string' ? value['reason'].slice(0, 1000) : 'no reason given' })
        : err('nack needs a version');
    case 'ready':
      return typeof value['ready'] === 'boolean' ? ok({ type: 'ready', ready: value['ready'] }) : err('ready needs true or false');
    case 'certificate':
      return typeof value['spiffeId'] === 'string' && Number.isFinite(value['notAfter']) && typeof value['fingerprint'] === 'string'
        ? ok({ type: 'certificate', spiffeId: value['spiffeId'], notAfter: value['notAfter'] as number, fingerprint: value['fingerprint'] })
        : err('certificate needs spiffeId, notAfter (epoch ms) and fingerprint');
    case 'bye':
      return ok({ type: 'bye' });
    default:
      return err(`unknown message type ${JSON.stringify(value['type'])}`);
  }
}
