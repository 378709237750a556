/**
 * Loads a user-supplied CA: a root, or an intermediate with its chain up to a root. Checks that the
 * signing certificate is a CA allowed to sign certificates, that the key matches it, that it is
 * within its validity, and that the chain links up to the root by signature.
 */
import { X509Certificate as NodeX509, createPrivateKey } from 'node:crypto';
import { x509 } from '../../proxy/tls/x509-lib.js';
import type { Clock } from '../../core/clock.js';
import { err, ok, type Result } from '../../core/result.js';
import { weftError } from '../../core/errors.js';
import { splitPemCertificates } from '../../proxy/tls/pem-bundle.js';
import { importSigningKey } from '../../proxy/tls/webcrypto-keys.js';
import type { CaSigner } from './ca-signer.js';

export interface LoadCaInput {
  readonly trustDomain: string;
  /** The signing certificate first, then any intermediates above it (the root may follow last). */
  readonly certChainPem: string;
  readonly keyPem: string;
  /** The root, when the chain does not end in a self-signed certificate. */
  readonly rootPem?: string;
  readonly clock: Clock;
}

/** Validates and loads CA material; every problem comes back as `WEFT_CA_MATERIAL_INVALID`. */
export async function loadCa(input: LoadCaInput): Promise<Result<CaSigner>> {
  const bad = (why: string): Result<CaSigner> => err(weftError('WEFT_CA_MATERIAL_INVALID', why));
  const pems = splitPemCertificates(input.certChainPem);
  if (input.rootPem !== undefined) pems.push(...splitPemCertificates(input.rootPem));
  const signerPem = pems[0];
  if (signerPem === undefined) return bad('no CERTIFICATE block in the CA certificate file');
  let certs: NodeX509[];
  try {
    certs = pems.map((p) => new NodeX509(p));
  } catch (e) {
    return bad(`cannot parse a CA certificate: ${(e as Error).message}`);
  }
  const signer = certs[0] as NodeX509;
  const last = certs[certs.length - 1] as NodeX509;
  if (!isSelfSigned(last)) return bad('the chain does not end in a self-signed root: give the root too');
  for (let i = 0; i < certs.length - 1; i++) {
    const child = certs[i] as NodeX509;
    const parent = certs[i + 1] as NodeX509;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) return bad(`certificate ${i} is not signed by certificate ${i + 1} of the chain`);
    if (!parent.ca) return bad(`certificate ${i + 1} of the chain is not a CA`);
  }
  if (!signer.ca) return bad('the signing certificate is not a CA (basicConstraints CA:TRUE missing)');
  const parsed = new x509.X509Certificate(signerPem);
  const ku = parsed.getExtension(x509.KeyUsagesExtension);
  if (ku !== null && (ku.usages & x509.KeyUsageFlags.keyCertSign) === 0) return bad('the signing certificate lacks keyUsage keyCertSign');
  const now = input.clock.now();
  if (Date.parse(signer.validFrom) > now || Date.parse(signer.validTo) <= now) return bad(`the signing certificate is not valid now (valid ${signer.validFrom} .. ${signer.validTo})`);
  try {
    if (!signer.checkPrivateKey(createPrivateKey(input.keyPem))) return bad('the CA key does not match the signing certificate');
  } catch (e) {
    return bad(`cannot read the CA key: ${(e as Error).message}`);
  }
  const key = await importSigningKey(input.keyPem, 'WEFT_CA_MATERIAL_INVALID');
  if (!key.ok) return err(key.error);
  return ok(
    Object.freeze({
      trustDomain: input.trustDomain,
      certPem: signerPem,
      cert: parsed,
      key: key.value.key,
      signingAlgorithm: key.value.signingAlgorithm,
      chainPem: Object.freeze(pems.slice(1, -1)),
      rootPem: pems[pems.length - 1] as string,
    }),
  );
}

function isSelfSigned(cert: NodeX509): boolean {
  return cert.checkIssued(cert) && cert.verify(cert.publicKey);
}
