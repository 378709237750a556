/**
 * SPIFFE IDs of the mesh: `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`.
 * Parsed once at the boundary (certificate load, CSR signing); downstream code compares the
 * canonical URI string only.
 */
import { err, ok, type Result } from '../../core/result.js';
import { weftError } from '../../core/errors.js';

export interface SpiffeId {
  /** The canonical form, as it appears in a certificate's URI SAN. */
  readonly uri: string;
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

// Trust domain: lowercase letters, digits, dots, dashes, underscores (SPIFFE spec §2.1).
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;
// Path segments: SPIFFE's allowed characters; Kubernetes names fit inside this.
const SEGMENT = /^[A-Za-z0-9._-]{1,253}$/;
const MAX_URI = 2048;

/** Parses a mesh SPIFFE ID; refuses anything that is not exactly `spiffe://td/ns/X/sa/Y`. */
export function parseSpiffeId(value: string): Result<SpiffeId> {
  const bad = (why: string): Result<SpiffeId> => err(weftError('WEFT_TLS_PEER_IDENTITY', `invalid SPIFFE ID ${JSON.stringify(value.slice(0, 200))}: ${why}`));
  if (value.length > MAX_URI) return bad('too long');
  if (!value.startsWith('spiffe://')) return bad('must start with spiffe://');
  const rest = value.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return bad('missing trust domain or path');
  const trustDomain = rest.slice(0, slash);
  if (!TRUST_DOMAIN.test(trustDomain)) return bad('trust domain must be lowercase letters, digits, ".", "-" or "_"');
  const parts = rest.slice(slash + 1).split('/');
  if (parts.length !== 4 || parts[0] !== 'ns' || parts[2] !== 'sa') return bad('path must be /ns/<namespace>/sa/<service-account>');
  const namespace = parts[1] ?? '';
  const serviceAccount = parts[3] ?? '';
  if (!SEGMENT.test(namespace) || namespace === '.' || namespace === '..') return bad('invalid namespace');
  if (!SEGMENT.test(serviceAccount) || serviceAccount === '.' || serviceAccount === '..') return bad('invalid service account');
  return ok(Object.freeze({ uri: value, trustDomain, namespace, serviceAccount }));
}

/** Builds the canonical SPIFFE ID of a workload identity (validated like `parseSpiffeId`). */
export function formatSpiffeId(trustDomain: string, namespace: string, serviceAccount: string): Result<SpiffeId> {
  return parseSpiffeId(`spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`);
}
