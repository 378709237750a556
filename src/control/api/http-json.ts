/** JSON in and out of node:http for the control plane API, with errors in one shape. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../../core/errors.js';
import { wireStatusOf } from '../../core/status-map.js';

/** The body of every error answer: `{ "error": { code, message, problems? } }`. */
export interface ApiErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly problems?: readonly ApiProblem[];
  };
}

/** A problem in one document of an apply: `index` is the document's position in the request. */
export interface ApiProblem {
  readonly index?: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly path: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** Sends an error with the HTTP status of its code (status-map.ts). */
export function sendError(res: ServerResponse, code: ErrorCode, message: string, problems?: readonly ApiProblem[]): void {
  const body: ApiErrorBody = { error: { code, message, ...(problems !== undefined ? { problems } : {}) } };
  sendJson(res, wireStatusOf(code).http, body);
}

export type BodyResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** Reads and parses a JSON body of at most `limit` bytes. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) return { ok: false, message: `the request body is larger than ${limit} bytes` };
    chunks.push(buf);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch (e) {
    return { ok: false, message: `the request body is not JSON: ${e instanceof Error ? e.message : 'parse error'}` };
  }
}
