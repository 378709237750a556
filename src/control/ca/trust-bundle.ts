/**
 * The mesh trust bundle: the roots a proxy trusts. It holds at most two, so a root can be rotated
 * without downtime: add the new root (both trusted), re-issue every workload, drop the old one.
 */
import { X509Certificate as NodeX509 } from 'node:crypto';
import { err, ok, type Result } from '../../core/result.js';
import { weftError } from '../../core/errors.js';
import { splitPemCertificates } from '../../proxy/tls/pem-bundle.js';

export interface TrustBundle {
  /** The roots, PEM, newest first; one or two. */
  readonly roots: readonly string[];
  /** All roots concatenated: what goes into a proxy's `ca` file. */
  readonly pem: string;
}

const MAX_ROOTS = 2;

/** Builds a bundle from one or two root certificates (each must be a self-signed CA). */
export function createTrustBundle(roots: readonly string[]): Result<TrustBundle> {
  const all = roots.flatMap((r) => splitPemCertificates(r));
  if (all.length === 0) return err(weftError('WEFT_CA_MATERIAL_INVALID', 'a trust bundle needs at least one root'));
  if (all.length > MAX_ROOTS) return err(weftError('WEFT_CA_MATERIAL_INVALID', `a trust bundle holds at most ${MAX_ROOTS} roots (current and next)`));
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const pem of all) {
    let cert: NodeX509;
    try {
      cert = new NodeX509(pem);
    } catch (e) {
      return err(weftError('WEFT_CA_MATERIAL_INVALID', `cannot parse a root: ${(e as Error).message}`));
    }
    if (!cert.ca || !cert.checkIssued(cert) || !cert.verify(cert.publicKey)) return err(weftError('WEFT_CA_MATERIAL_INVALID', `root ${cert.subject} is not a self-signed CA`));
    if (seen.has(cert.fingerprint256)) continue;
    seen.add(cert.fingerprint256);
    unique.push(pem);
  }
  return ok(Object.freeze({ roots: Object.freeze(unique), pem: unique.join('') }));
}

/** The bundle during a root rotation: the new root first, the current one kept until re-issue is done. */
export function addRoot(bundle: TrustBundle, newRootPem: string): Result<TrustBundle> {
  const current = bundle.roots[0];
  return createTrustBundle(current === undefined ? [newRootPem] : [newRootPem, current]);
}
