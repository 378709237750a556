/**
 * The certificate-issuing service: a bootstrap token proves which identity the caller may have; the
 * CSR (made by the proxy, whose key never leaves it) must ask for exactly that identity. Pure of
 * transport: the HTTP route (`certificate-routes.ts`) is a thin adapter over it.
 */
import type { Clock } from '../../core/clock.js';
import { err, ok, type Result } from '../../core/result.js';
import { weftError, type WeftError } from '../../core/errors.js';
import type { CaSigner } from './ca-signer.js';
import { DEFAULT_WORKLOAD_LIFETIME_MS, signWorkloadCsr } from './sign-workload-csr.js';
import { grantedSpiffeId } from './tokens/bootstrap-token.js';
import type { TokenStore } from './tokens/token-store.js';
import type { TrustBundle } from './trust-bundle.js';

export interface IssueCertificateRequest {
  /** The bootstrap token value (the bearer credential). */
  readonly token: string;
  readonly csrPem: string;
}

export interface IssuedCertificate {
  readonly spiffeId: string;
  /** Leaf then intermediates: what the proxy serves. */
  readonly certChainPem: string;
  /** The roots to trust (one, or two during a root rotation). */
  readonly trustBundlePem: string;
  /** Epoch ms. */
  readonly notAfter: number;
  readonly serialNumber: string;
}

export interface CertificateIssuerOptions {
  readonly signer: CaSigner;
  readonly bundle: TrustBundle;
  readonly tokens: TokenStore;
  readonly clock: Clock;
  /** The lifetime to give now (read per request, so a changed Mesh takes effect); default 24 h. */
  readonly lifetimeMs?: () => number | Promise<number>;
  /** notBefore backdating for slow peer clocks; default 60 s. */
  readonly backdateMs?: number;
}

export type IssueCertificate = (request: IssueCertificateRequest) => Promise<Result<IssuedCertificate, WeftError>>;

/**
 * Creates the issuing function. Errors: `WEFT_CA_TOKEN_INVALID|REVOKED|EXPIRED` (the token),
 * `WEFT_CA_CSR_INVALID`, `WEFT_CA_IDENTITY_NOT_GRANTED` (the CSR asks for another identity).
 */
export function createCertificateIssuer(options: CertificateIssuerOptions): IssueCertificate {
  return async ({ token, csrPem }) => {
    const record = options.tokens.authenticate(token);
    if (!record.ok) return err(record.error);
    const spiffeId = grantedSpiffeId(options.signer.trustDomain, record.value);
    const lifetimeMs = options.lifetimeMs !== undefined ? await options.lifetimeMs() : DEFAULT_WORKLOAD_LIFETIME_MS;
    if (!(lifetimeMs > 0)) return err(weftError('WEFT_INTERNAL', `certificate lifetime ${lifetimeMs} ms is not positive`));
    const signed = await signWorkloadCsr(options.signer, csrPem, spiffeId, {
      clock: options.clock,
      lifetimeMs,
      ...(options.backdateMs !== undefined ? { backdateMs: options.backdateMs } : {}),
    });
    if (!signed.ok) return err(signed.error);
    return ok(
      Object.freeze({
        spiffeId: signed.value.spiffeId,
        certChainPem: signed.value.chainPem,
        trustBundlePem: options.bundle.pem,
        notAfter: signed.value.notAfter,
        serialNumber: signed.value.serialNumber,
      }),
    );
  };
}
