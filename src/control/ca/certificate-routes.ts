/**
 * The CA's routes on the control plane API (mounted by `createApiServer`'s `routes` option):
 *
 *   POST   /api/v1/certificates (also /v1/certificates)   Bearer <bootstrap token>; body: the CSR PEM,
 *          or JSON {"csr": PEM} → {spiffeId, certChainPem, trustBundlePem, notAfter (epoch ms), serialNumber}
 *   GET    /api/v1/tokens                                  admin → {items: [token info...]}
 *   POST   /api/v1/tokens                                  admin; {namespace, serviceAccount, workload?, ttlSeconds?}
 *          → 201 {token, info} (the token value is shown this once)
 *   DELETE /api/v1/tokens/ID                               admin → {revoked: info}
 *
 * Errors in the API's one shape, with the status of their code (401 for a bad token, 403 for a CSR
 * that asks for another identity).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAuthorized } from '../api/admin-token.js';
import { readJsonBody, sendError, sendJson } from '../api/http-json.js';
import type { IssueCertificate } from './issue-certificate.js';
import type { TokenStore } from './tokens/token-store.js';

/** A route group: answers and returns true when the request is its own, else returns false untouched. */
export type ApiRoute = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface CaRoutesOptions {
  readonly issue: IssueCertificate;
  readonly tokens: TokenStore;
  readonly adminToken: string;
}

const MAX_CSR_BODY = 64 * 1024;
const MAX_TOKEN_BODY = 16 * 1024;

/** Creates the CA's route group. */
export function createCaRoutes(options: CaRoutesOptions): ApiRoute {
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    if (path === '/api/v1/certificates' || path === '/v1/certificates') {
      if (method !== 'POST') {
        sendError(res, 'WEFT_CONTROL_NOT_FOUND', `no endpoint ${method} ${path}; certificates are requested with POST`);
        return true;
      }
      await handleCertificateRequest(req, res, options.issue);
      return true;
    }
    if (path !== '/api/v1/tokens' && !path.startsWith('/api/v1/tokens/')) return false;
    if (!isAuthorized(req.headers.authorization, options.adminToken)) {
      sendError(res, 'WEFT_CONTROL_UNAUTHENTICATED', 'bootstrap tokens are managed with "Authorization: Bearer <admin token>" ($WEFT_HOME/admin-token)');
      return true;
    }
    const id = path.startsWith('/api/v1/tokens/') ? decodeURIComponent(path.slice('/api/v1/tokens/'.length)) : undefined;
    if (id === undefined && method === 'GET') {
      sendJson(res, 200, { items: options.tokens.list() });
      return true;
    }
    if (id === undefined && method === 'POST') {
      const body = await readJsonBody(req, MAX_TOKEN_BODY);
      if (!body.ok) {
        sendError(res, 'WEFT_CONTROL_BAD_REQUEST', body.message);
        return true;
      }
      const spec = parseTokenRequest(body.value);
      if (typeof spec === 'string') {
        sendError(res, 'WEFT_CA_TOKEN_SPEC_INVALID', spec);
        return true;
      }
      const created = options.tokens.create(spec);
      if (!created.ok) sendError(res, created.error.code, created.error.message);
      else sendJson(res, 201, created.value);
      return true;
    }
    if (id !== undefined && id !== '' && !id.includes('/') && method === 'DELETE') {
      const revoked = options.tokens.revoke(id);
      if (!revoked.ok) sendError(res, revoked.error.code, revoked.error.message);
      else sendJson(res, 200, { revoked: revoked.value });
      return true;
    }
    sendError(res, 'WEFT_CONTROL_NOT_FOUND', `no endpoint ${method} ${path}`);
    return true;
  };
}

async function handleCertificateRequest(req: IncomingMessage, res: ServerResponse, issue: IssueCertificate): Promise<void> {
  const header = req.headers.authorization;
  const token = header !== undefined && header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  if (token === '') {
    req.resume();
    sendError(res, 'WEFT_CA_TOKEN_INVALID', 'a certificate request needs "Authorization: Bearer <bootstrap token>"');
    return;
  }
  const isJson = (req.headers['content-type'] ?? '').startsWith('application/json');
  let csrPem: string;
  if (isJson) {
    const body = await readJsonBody(req, MAX_CSR_BODY);
    if (!body.ok) {
      sendError(res, 'WEFT_CA_CSR_INVALID', body.message);
      return;
    }
    const csr = typeof body.value === 'object' && body.value !== null ? (body.value as Record<string, unknown>)['csr'] : undefined;
    if (typeof csr !== 'string') {
      sendError(res, 'WEFT_CA_CSR_INVALID', 'the JSON body needs "csr": "<PEM>"');
      return;
    }
    csrPem = csr;
  } else {
    const text = await readText(req, MAX_CSR_BODY);
    if (text === undefined) {
      sendError(res, 'WEFT_CA_CSR_INVALID', `the CSR is larger than ${MAX_CSR_BODY} bytes`);
      return;
    }
    csrPem = text;
  }
  const issued = await issue({ token, csrPem });
  if (!issued.ok) sendError(res, issued.error.code, issued.error.message);
  else sendJson(res, 200, issued.value);
}

async function readText(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseTokenRequest(body: unknown): { namespace: string; serviceAccount: string; workload?: string; ttlMs?: number } | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object {namespace, serviceAccount, workload?, ttlSeconds?}';
  const b = body as Record<string, unknown>;
  const { namespace, serviceAccount, workload, ttlSeconds } = b;
  const problems: string[] = [];
  if (typeof namespace !== 'string') problems.push('namespace: a string is required');
  if (typeof serviceAccount !== 'string') problems.push('serviceAccount: a string is required');
  if (workload !== undefined && typeof workload !== 'string') problems.push('workload: must be a string');
  if (ttlSeconds !== undefined && (typeof ttlSeconds !== 'number' || !(ttlSeconds > 0))) problems.push('ttlSeconds: must be a positive number');
  if (problems.length > 0 || typeof namespace !== 'string' || typeof serviceAccount !== 'string') return problems.join('; ');
  return {
    namespace,
    serviceAccount,
    ...(typeof workload === 'string' ? { workload } : {}),
    ...(typeof ttlSeconds === 'number' ? { ttlMs: Math.round(ttlSeconds * 1000) } : {}),
  };
}
