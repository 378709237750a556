/**
 * Signs a proxy's CSR into a short-lived SPIFFE workload certificate. The caller has already
 * authenticated the proxy (bootstrap or ServiceAccount token) and passes the one identity that
 * proof grants; a CSR asking for anything else is refused.
 */
import { createPublicKey } from 'node:crypto';
import { x509 } from '../../proxy/tls/x509-lib.js';
import type { Clock } from '../../core/clock.js';
import { err, ok, type Result } from '../../core/result.js';
import { weftError } from '../../core/errors.js';
import { parseSpiffeId } from '../../proxy/tls/spiffe-id.js';
import { weftCrypto } from '../../proxy/tls/webcrypto-keys.js';
import type { CaSigner } from './ca-signer.js';
import { randomSerial } from './serial.js';

export const DEFAULT_WORKLOAD_LIFETIME_MS = 24 * 3600 * 1000;
/** notBefore is set this far in the past so that peers with slightly slow clocks accept it. */
export const DEFAULT_BACKDATE_MS = 60 * 1000;

export interface SignWorkloadOptions {
  readonly clock: Clock;
  /** Default 24 h. Clamped so the certificate never outlives its signer. */
  readonly lifetimeMs?: number;
  readonly backdateMs?: number;
}

export interface IssuedWorkloadCert {
  readonly spiffeId: string;
  /** The leaf certificate, PEM. */
  readonly certPem: string;
  /** Leaf followed by the signer's chain (intermediates), without the root: what the proxy serves. */
  readonly chainPem: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly serialNumber: string;
}

const MAX_CSR_PEM = 16 * 1024;

/**
 * Verifies the CSR (PKCS#10 signature, ECDSA P-256 key, SAN exactly the granted SPIFFE ID) and
 * issues the certificate. Errors: `WEFT_CA_CSR_INVALID`, `WEFT_CA_IDENTITY_NOT_GRANTED`.
 */
export async function signWorkloadCsr(signer: CaSigner, csrPem: string, grantedSpiffeId: string, options: SignWorkloadOptions): Promise<Result<IssuedWorkloadCert>> {
  const invalid = (why: string): Result<IssuedWorkloadCert> => err(weftError('WEFT_CA_CSR_INVALID', why));
  const granted = parseSpiffeId(grantedSpiffeId);
  if (!granted.ok) return err(weftError('WEFT_CA_IDENTITY_NOT_GRANTED', `the granted identity is not a SPIFFE ID: ${granted.error.message}`));
  if (granted.value.trustDomain !== signer.trustDomain) {
    return err(weftError('WEFT_CA_IDENTITY_NOT_GRANTED', `identity ${grantedSpiffeId} is outside this CA's trust domain ${signer.trustDomain}`));
  }
  if (csrPem.length > MAX_CSR_PEM) return invalid('the CSR is too large');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (e) {
    return invalid(`cannot parse the CSR: ${(e as Error).message}`);
  }
  let signatureOk = false;
  try {
    signatureOk = await csr.verify(weftCrypto);
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) return invalid('the CSR signature does not verify');
  try {
    const details = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
    if (details.asymmetricKeyType !== 'ec' || details.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return invalid('the CSR key must be ECDSA P-256');
  } catch (e) {
    return invalid(`cannot read the CSR public key: ${(e as Error).message}`);
  }
  const requested = requestedNames(csr);
  if (requested.length !== 1 || requested[0]?.type !== 'url' || requested[0].value !== granted.value.uri) {
    const asked = requested.map((n) => `${n.type}:${n.value}`).join(', ') || 'no SAN';
    return err(weftError('WEFT_CA_IDENTITY_NOT_GRANTED', `the CSR asks for ${asked}; this caller may only have ${granted.value.uri}`));
  }

  const now = options.clock.now();
  const notBefore = now - (options.backdateMs ?? DEFAULT_BACKDATE_MS);
  const signerNotAfter = signer.cert.notAfter.getTime();
  const notAfter = Math.min(now + (options.lifetimeMs ?? DEFAULT_WORKLOAD_LIFETIME_MS), signerNotAfter);
  const serialNumber = randomSerial();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber,
      subject: '',
      issuer: signer.cert.subjectName,
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      publicKey: csr.publicKey,
      signingKey: signer.key,
      signingAlgorithm: signer.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
        // The subject is empty, so the SAN must be critical (RFC 5280 §4.2.1.6).
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: granted.value.uri }], true),
        await x509.SubjectKeyIdentifierExtension.create(csr.publicKey, false, weftCrypto),
        await x509.AuthorityKeyIdentifierExtension.create(signer.cert, false, weftCrypto),
      ],
    },
    weftCrypto,
  );
  const certPem = cert.toString('pem') + '\n';
  return ok(
    Object.freeze({
      spiffeId: granted.value.uri,
      certPem,
      chainPem: certPem + signer.chainPem.join(''),
      notBefore: cert.notBefore.getTime(),
      notAfter: cert.notAfter.getTime(),
      serialNumber,
    }),
  );
}

function requestedNames(csr: x509.Pkcs10CertificateRequest): { type: string; value: string }[] {
  const names: { type: string; value: string }[] = [];
  for (const ext of csr.extensions) {
    if (!(ext instanceof x509.SubjectAlternativeNameExtension)) continue;
    for (const n of ext.names.items) names.push({ type: n.type, value: n.value });
  }
  return names;
}
