/**
 * The wire side of the identity client: POST the CSR to the control plane's
 * `/api/v1/certificates` with the bootstrap token as bearer, and parse the answer once.
 */
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
    let status: number;
    let body: unknown;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ csr: csrPem }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      status = res.status;
      const text = await res.text();
      try {
        body = JSON.parse(text);
      } catch {
        return err(weftError('WEFT_CA_UNAVAILABLE', `the CA answered HTTP ${status} with a body that is not JSON`, url));
      }
    } catch (e) {
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : 'request failed';
      return err(weftError('WEFT_CA_UNAVAILABLE', `cannot reach the CA: ${cause}`, url));
    }
    return parseAnswer(status, body, url);
  };
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
