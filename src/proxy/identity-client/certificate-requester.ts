/**
 * The wire side of the identity client: POST the CSR to the control plane's
 * `/api/v1/certificates` with the bootstrap token as bearer, and parse the answer once.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { err, ok, type Result } from '../../core/result.js';
import { isErrorCode, weftError, type WeftError } from '../../core/errors.js';

export interface CertificateAnswer {
  readonly certChainPem: string;
  readonly trustBundlePem: string;
  /** Epoch ms. */
  readonly notAfter: number;
}

/** Sends one CSR; resolves to the answer or an error value (never rejects). */
export type CertificateRequester = (csrPem: string) => Promise<Result<CertificateAnswer, WeftError>>;

export interface HttpRequesterOptions {
  /** Control plane base URL, e.g. http://127.0.0.1:15080. */
  readonly controlUrl: string;
  readonly token: string;
  /** Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * The HTTP requester. Errors: the CA's own code when it refused (`WEFT_CA_TOKEN_REVOKED`,
 * `WEFT_CA_IDENTITY_NOT_GRANTED`...), else `WEFT_CA_UNAVAILABLE` (unreachable, timeout, bad answer).
 */
export function createHttpCertificateRequester(options: HttpRequesterOptions): CertificateRequester {
  const url = `${options.controlUrl.replace(/\/+$/, '')}/api/v1/certificates`;
  return async (csrPem) => {
    const answer = await postJson(url, options.token, JSON.stringify({ csr: csrPem }), options.timeoutMs ?? 10_000);
    if (!answer.ok) return err(weftError('WEFT_CA_UNAVAILABLE', `cannot reach the CA: ${answer.error}`, url));
    let body: unknown;
    try {
      body = JSON.parse(answer.value.text);
    } catch {
      return err(weftError('WEFT_CA_UNAVAILABLE', `the CA answered HTTP ${answer.value.status} with a body that is not JSON`, url));
    }
    return parseAnswer(answer.value.status, body, url);
  };
}

const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * One POST with node:http(s) (not the global fetch: undici costs the sidecar several MB of RSS to
 * load). Resolves to the status and body text, or the reason it failed; never rejects.
 */
function postJson(url: string, token: string, body: string, timeoutMs: number): Promise<Result<{ status: number; text: string }, string>> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve(err(`bad control URL ${url}`));
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
    if (send === undefined) {
      resolve(err(`the control URL must be http:// or https://, not ${target.protocol}`));
      return;
    }
    let settled = false;
    const done = (r: Result<{ status: number; text: string }, string>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = send(target, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) {
          req.destroy();
          done(err('the answer is too large'));
        } else chunks.push(c);
      });
      res.on('end', () => done(ok({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (e) => done(err(e.message)));
    });
    const timer = setTimeout(() => {
      req.destroy();
      done(err(`no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (e) => done(err(e.message)));
    req.end(body);
  });
}

/** Parses the CA's JSON answer (exported for tests). */
export function parseAnswer(status: number, body: unknown, where: string): Result<CertificateAnswer, WeftError> {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (status !== 200) {
    const e = record['error'];
    const code = typeof e === 'object' && e !== null ? (e as Record<string, unknown>)['code'] : undefined;
    const message = typeof e === 'object' && e !== null ? (e as Record<string, unknown>)['message'] : undefined;
    if (typeof code === 'string' && isErrorCode(code)) return err(weftError(code, typeof message === 'string' ? message : `HTTP ${status}`, where));
    return err(weftError('WEFT_CA_UNAVAILABLE', `the CA answered HTTP ${status}`, where));
  }
  const { certChainPem, trustBundlePem, notAfter } = record;
  if (typeof certChainPem !== 'string' || typeof trustBundlePem !== 'string' || typeof notAfter !== 'number') {
    return err(weftError('WEFT_CA_UNAVAILABLE', 'the CA answer lacks certChainPem, trustBundlePem or notAfter', where));
  }
  return ok({ certChainPem, trustBundlePem, notAfter });
}
