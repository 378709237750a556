/**
 * The proxy's side of issuance: it generates its own ECDSA P-256 key and a PKCS#10 CSR naming its
 * SPIFFE ID. The private key never leaves the proxy; only the CSR goes to the CA.
 */
import { x509 } from './x509-lib.js';
import { err, ok, type Result } from '../../core/result.js';
import { parseSpiffeId } from './spiffe-id.js';
import { generateEcdsaP256, privateKeyToPem, weftCrypto } from './webcrypto-keys.js';

export interface WorkloadKeyAndCsr {
  /** PKCS#8 PEM; keep it in the proxy (memory or a 0600 file). */
  readonly keyPem: string;
  /** PKCS#10 PEM with exactly one URI SAN, the SPIFFE ID. */
  readonly csrPem: string;
}

/** Generates a fresh key pair and a CSR for `spiffeId` (refused if it is not a mesh SPIFFE ID). */
export async function createWorkloadKeyAndCsr(spiffeId: string): Promise<Result<WorkloadKeyAndCsr>> {
  const id = parseSpiffeId(spiffeId);
  if (!id.ok) return err(id.error);
  const { keys, signingAlgorithm } = await generateEcdsaP256();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      keys,
      signingAlgorithm,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: id.value.uri }], true)],
    },
    weftCrypto,
  );
  return ok({ keyPem: await privateKeyToPem(keys.privateKey), csrPem: csr.toString('pem') });
}
