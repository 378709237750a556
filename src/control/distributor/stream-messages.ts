/**
 * The messages of a proxy's subscription stream, one JSON object per line each way.
 * Proxy → control plane: `hello` (first: the instance it runs for), `ack`/`nack` per snapshot
 * version, `ready` (its application's readiness), `bye` (clean shutdown: deregister now).
 * Control plane → proxy: `snapshot` (a full ProxySnapshot), `error` (then the stream ends).
 */
import type { ErrorCode } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import type { ProxySnapshot } from '../../proxy/snapshot/proxy-snapshot.js';

export type ProxyMessage =
  | { readonly type: 'hello'; readonly registration: unknown }
  | { readonly type: 'ack'; readonly version: string }
  | { readonly type: 'nack'; readonly version: string; readonly reason: string }
  | { readonly type: 'ready'; readonly ready: boolean }
  | { readonly type: 'bye' };

export type ControlMessage =
  | { readonly type: 'snapshot'; readonly snapshot: ProxySnapshot }
  | { readonly type: 'error'; readonly code: ErrorCode; readonly message: string };

/** The subscription path on the distributor's HTTP/2 server. */
export const subscribePath = '/weft.distributor.v1/subscribe';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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
    case 'bye':
      return ok({ type: 'bye' });
    default:
      return err(`unknown message type ${JSON.stringify(value['type'])}`);
  }
}
