/**
 * How CLI commands reach the control plane API: the URL from `--control URL`, else `WEFT_CONTROL`,
 * else http://127.0.0.1:15080; the admin token (for writes) from `$WEFT_HOME/admin-token`
 * (`$WEFT_HOME` default `.weft` under the working directory).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ApiErrorBody } from '../../control/api/http-json.js';
import type { CommandIo } from '../command.js';

export const defaultControlUrl = 'http://127.0.0.1:15080';

export interface ControlClient {
  readonly baseUrl: string;
  /** Sends a request; resolves to status and parsed JSON body, or a transport failure message. */
  request(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
}

export type ApiAnswer =
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'unreachable'; readonly message: string };

export function createControlClient(io: CommandIo, controlOption: string | undefined, needsToken: boolean): ControlClient {
  const baseUrl = (controlOption ?? io.env['WEFT_CONTROL'] ?? defaultControlUrl).replace(/\/+$/, '');
  const home = resolve(io.cwd, io.env['WEFT_HOME'] ?? '.weft');
  let token: Promise<string | undefined> | undefined;
  const readToken = (): Promise<string | undefined> =>
    (token ??= readFile(join(home, 'admin-token'), 'utf8').then((t) => t.trim(), () => undefined));
  return {
    baseUrl,
    async request(method, path, body) {
      const bearer = needsToken ? await readToken() : undefined;
      if (needsToken && bearer === undefined) {
        return { kind: 'unreachable', message: `no admin token in ${join(home, 'admin-token')} (set WEFT_HOME to the control plane's home)` };
      }
      try {
        const res = await fetch(`${baseUrl}/api/v1${path}`, {
          method,
          headers: { ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = { error: { code: 'WEFT_CONTROL_UNAVAILABLE', message: `the answer (HTTP ${res.status}) is not JSON` } };
        }
        return { kind: 'answer', status: res.status, body: parsed };
      } catch (e) {
        const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : 'request failed';
        return { kind: 'unreachable', message: `cannot reach the control plane at ${baseUrl}: ${cause} (WEFT_CONTROL_UNAVAILABLE)` };
      }
    },
  };
}

/** The error of an error answer, if the body has the API's error shape. */
export function apiError(body: unknown): ApiErrorBody['error'] | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const e = (body).error;
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e ? (e as ApiErrorBody['error']) : undefined;
}

/** Prints an error answer (`weft NAME: message (CODE)`) and returns exit code 1. */
export function reportFailure(io: CommandIo, command: string, answer: ApiAnswer): number {
  if (answer.kind === 'unreachable') {
    io.stderr.write(`weft ${command}: ${answer.message}\n`);
    return 1;
  }
  const e = apiError(answer.body);
  io.stderr.write(`weft ${command}: ${e !== undefined ? `${e.message} (${e.code})` : `HTTP ${answer.status}`}\n`);
  return 1;
}
