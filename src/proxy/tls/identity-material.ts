/**
 * A proxy's identity material: its certificate chain, private key and trusted roots, parsed and
 * checked once when loaded (or rotated). Downstream code uses the frozen value only.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { err, ok, type Result } from '../../core/result.js';
import { weftError } from '../../core/errors.js';
import { splitPemCertificates } from './pem-bundle.js';
import { spiffeIdFromSubjectAltName } from './subject-alt-name.js';

export interface IdentityMaterialInput {
  /** Leaf certificate, optionally followed by intermediates. */
  readonly certPem: string;
  readonly keyPem: string;
  /** Trusted roots (one or two during a root rotation). */
  readonly caPem: string;
}

export interface IdentityMaterial extends IdentityMaterialInput {
  /** The SPIFFE ID of the leaf (its one `spiffe://` URI SAN). */
  readonly spiffeId: string;
  /** Validity of the leaf, epoch ms. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** SHA-256 fingerprint of the leaf, to tell rotations apart. */
  readonly fingerprint: string;
}

/**
 * Parses and checks identity material: the leaf has exactly one valid SPIFFE ID, the key matches
 * it, and the CA bundle has at least one certificate. With `clock`, a leaf outside its validity is
 * refused too. Errors are `WEFT_TLS_MATERIAL_INVALID` with the reason.
 */
export function parseIdentityMaterial(input: IdentityMaterialInput, clock?: Clock): Result<IdentityMaterial> {
  const bad = (why: string): Result<IdentityMaterial> => err(weftError('WEFT_TLS_MATERIAL_INVALID', why));
  const certs = splitPemCertificates(input.certPem);
  const leafPem = certs[0];
  if (leafPem === undefined) return bad('the certificate file has no CERTIFICATE block');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(leafPem);
  } catch (e) {
    return bad(`cannot parse the certificate: ${(e as Error).message}`);
  }
  const spiffeId = spiffeIdFromSubjectAltName(leaf.subjectAltName);
  if (spiffeId === undefined) return bad(`the certificate must carry exactly one valid spiffe:// URI SAN (has: ${leaf.subjectAltName ?? 'none'})`);
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(input.keyPem))) return bad('the private key does not match the certificate');
  } catch (e) {
    return bad(`cannot read the private key: ${(e as Error).message}`);
  }
  const roots = splitPemCertificates(input.caPem);
  if (roots.length === 0) return bad('the CA bundle has no CERTIFICATE block');
  for (const pem of roots) {
    try {
      new X509Certificate(pem);
    } catch (e) {
      return bad(`cannot parse a CA certificate: ${(e as Error).message}`);
    }
  }
  const notBefore = Date.parse(leaf.validFrom);
  const notAfter = Date.parse(leaf.validTo);
  if (clock !== undefined) {
    const now = clock.now();
    if (now < notBefore) return bad(`the certificate is not valid before ${leaf.validFrom}`);
    if (now >= notAfter) return bad(`the certificate expired at ${leaf.validTo}`);
  }
  return ok(
    Object.freeze({
      certPem: input.certPem,
      keyPem: input.keyPem,
      caPem: input.caPem,
      spiffeId,
      notBefore,
      notAfter,
      fingerprint: leaf.fingerprint256,
    }),
  );
}
