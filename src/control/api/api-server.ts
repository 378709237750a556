/**
 * The control plane's HTTP API (node:http, JSON; server-sent events for watches):
 *
 *   GET    /api/v1/health                               store version
 *   POST   /api/v1/apply                                {"resources": [...]} → created/configured/unchanged each
 *   GET    /api/v1/resources[/KIND][?namespace=NS]      list (KIND: kind, plural or short name)
 *   GET    /api/v1/resources/KIND/NAME[?namespace=NS]   one resource
 *   DELETE /api/v1/resources/KIND/NAME[?namespace=NS][&resourceVersion=V]
 *   GET    /api/v1/watch[?after=V][&kind=K][&namespace=NS]   server-sent events
 *
 * Writes (POST, PUT, DELETE) need `Authorization: Bearer <admin token>`. Reads are open: the API
 * listens on loopback by default, where only local users reach it, and resources are configuration,
 * not secrets (no private key or token is ever stored as a resource). Listening elsewhere should
 * add authentication for reads too. Errors: `{"error": {code, message, problems?}}` with the
 * HTTP status of the code (400 invalid, 401, 404, 409 conflict, 410 expired watch).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResourceValidator } from '../../api/validate.js';
import type { ResourceStore } from '../store/resource-store.js';
import { isClusterScoped } from '../store/resource-ref.js';
import { resolveKind } from '../store/resolve-kind.js';
import { isAuthorized } from './admin-token.js';
import { apiPrefix, type DeleteResponse, type HealthResponse, type ListResponse } from './api-types.js';
import { handleApply } from './apply-handler.js';
import { readJsonBody, sendError, sendJson } from './http-json.js';
import { handleWatch } from './watch-handler.js';
import { listenOn } from '../shared/listen.js';

export interface ApiServerOptions {
  readonly store: ResourceStore;
  readonly validator: ResourceValidator;
  readonly adminToken: string;
  /** Largest request body accepted; default 16 MiB. */
  readonly bodyLimit?: number;
  /** Route groups tried first, in order (the CA's certificates and tokens); each returns true when it answered. */
  readonly routes?: readonly ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>)[];
}

export interface ApiServer {
  readonly server: Server;
  /** Listens; resolves to the bound address (port 0 picks a free port). */
  listen(host: string, port: number): Promise<AddressInfo>;
  close(): Promise<void>;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Creates the API server (not yet listening). */
export function createApiServer(options: ApiServerOptions): ApiServer {
  const { store, validator, adminToken } = options;
  const bodyLimit = options.bodyLimit ?? 16 * 1024 * 1024;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const extra of options.routes ?? []) if (await extra(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith(`${apiPrefix}/`)) {
      sendError(res, 'WEFT_CONTROL_NOT_FOUND', `no endpoint ${url.pathname}; the API is under ${apiPrefix}/`);
      return;
    }
    const parts = url.pathname.slice(apiPrefix.length + 1).split('/').filter((p) => p !== '').map(decode);
    const isWrite = method !== 'GET' && method !== 'HEAD';
    if (isWrite && !isAuthorized(req.headers.authorization, adminToken)) {
      sendError(res, 'WEFT_CONTROL_UNAUTHENTICATED', 'writes need "Authorization: Bearer <token>" with the token in $WEFT_HOME/admin-token');
      return;
    }
    const [head, kindName, name, extra] = parts;
    const kind = kindName !== undefined ? resolveKind(kindName) : undefined;
    if (head === 'health' && parts.length === 1 && method === 'GET') {
      const body: HealthResponse = { status: 'ok', storeVersion: store.version() };
      sendJson(res, 200, body);
      return;
    }
    if (head === 'apply' && parts.length === 1 && method === 'POST') {
      const body = await readJsonBody(req, bodyLimit);
      if (!body.ok) sendError(res, 'WEFT_CONTROL_BAD_REQUEST', body.message);
      else await handleApply(body.value, res, store, validator);
      return;
    }
    if (head === 'watch' && parts.length === 1 && method === 'GET') {
      const kindParam = url.searchParams.get('kind');
      const watchKind = kindParam !== null ? resolveKind(kindParam) : undefined;
      if (kindParam !== null && watchKind === undefined) {
        sendError(res, 'WEFT_CONTROL_BAD_REQUEST', `"${kindParam}" is not a kind Weft knows`);
        return;
      }
      await handleWatch(req, res, store, url.searchParams, watchKind);
      return;
    }
    if (head !== 'resources' || extra !== undefined) {
      sendError(res, 'WEFT_CONTROL_NOT_FOUND', `no endpoint ${method} ${url.pathname}`);
      return;
    }
    if (kindName !== undefined && kind === undefined) {
      sendError(res, 'WEFT_CONTROL_BAD_REQUEST', `"${kindName}" is not a kind Weft knows`);
      return;
    }
    const nsParam = url.searchParams.get('namespace');
    if (name === undefined) {
      if (method !== 'GET') {
        sendError(res, 'WEFT_CONTROL_NOT_FOUND', `no endpoint ${method} ${url.pathname}`);
        return;
      }
      const listed = await store.list({ ...(kind !== undefined ? { kind: kind.kind } : {}), ...(nsParam !== null && (kind === undefined || kind.namespaced) ? { namespace: nsParam } : {}) });
      if (!listed.ok) sendError(res, listed.error.code, listed.error.message);
      else sendJson(res, 200, { items: listed.value.items, version: listed.value.version } satisfies ListResponse);
      return;
    }
    if (kind === undefined) return; // unreachable: name implies kindName, checked above
    const ref = { kind: kind.kind, namespace: isClusterScoped(kind.kind) ? '' : (nsParam ?? 'default'), name };
    if (method === 'GET') {
      const got = await store.get(ref);
      if (!got.ok) sendError(res, got.error.code, got.error.message);
      else sendJson(res, 200, got.value);
      return;
    }
    if (method === 'DELETE') {
      const rv = url.searchParams.get('resourceVersion');
      const deleted = await store.delete(ref, rv ?? undefined);
      if (!deleted.ok) sendError(res, deleted.error.code, deleted.error.message);
      else sendJson(res, 200, { deleted: deleted.value } satisfies DeleteResponse);
      return;
    }
    sendError(res, 'WEFT_CONTROL_NOT_FOUND', `no endpoint ${method} ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      // A bug: answer 500 rather than leave the client hanging.
      if (!res.headersSent) sendError(res, 'WEFT_INTERNAL', e instanceof Error ? e.message : 'internal error');
      else res.destroy();
    });
  });

  return {
    server,
    listen: (host, port) => listenOn(server, host, port),
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
