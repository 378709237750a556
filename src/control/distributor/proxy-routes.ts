/**
 * API routes over the distributor, mounted on the control plane API (reads, open like the others):
 *   GET /api/v1/proxies                         every proxy seen: connected, latest/sent/acked version, NACK
 *   GET /api/v1/proxies/NAMESPACE/NAME/config   the snapshot that proxy should run now
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiPrefix } from '../api/api-types.js';
import { sendError, sendJson } from '../api/http-json.js';
import type { Distributor, ProxyStatus } from './distributor.js';

export interface ProxiesResponse {
  readonly proxies: readonly ProxyStatus[];
  /** The lifetime of the workload certificates the CA issues now, when the control plane says (weft check scales its threshold to it). */
  readonly certificateLifetimeMs?: number;
}

export interface ProxyRoutesOptions {
  /** The workload certificate lifetime in force (Mesh or --certificate-lifetime). */
  readonly certificateLifetimeMs?: () => Promise<number>;
}

export function createProxyRoutes(distributor: Distributor, options: ProxyRoutesOptions = {}): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const base = `${apiPrefix}/proxies`;
    if (req.method !== 'GET' || (url.pathname !== base && !url.pathname.startsWith(`${base}/`))) return false;
    const parts = url.pathname.slice(base.length).split('/').filter((p) => p !== '');
    if (parts.length === 0) {
      const lifetime = options.certificateLifetimeMs !== undefined ? await options.certificateLifetimeMs() : undefined;
      sendJson(res, 200, { proxies: distributor.status(), ...(lifetime !== undefined ? { certificateLifetimeMs: lifetime } : {}) } satisfies ProxiesResponse);
    } else if (parts.length === 3 && parts[2] === 'config') {
      const key = `${decodeURIComponent(parts[0] ?? '')}/${decodeURIComponent(parts[1] ?? '')}`;
      const snapshot = distributor.snapshotOf(key);
      if (snapshot === undefined) sendError(res, 'WEFT_CONTROL_NOT_FOUND', `no proxy ${key} has registered`);
      else sendJson(res, 200, snapshot);
    } else {
      sendError(res, 'WEFT_CONTROL_NOT_FOUND', `no endpoint GET ${url.pathname}`);
    }
    return true;
  };
}
