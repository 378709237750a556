/**
 * Bootstrap tokens: a secret that lets one proxy ask the CA for the certificate of ONE workload
 * identity (namespace + service account, optionally one workload name). Only for certificate
 * requests, revocable, optionally expiring. The CA keeps only the SHA-256 of the secret.
 */
import { createHash } from 'node:crypto';
import { err, ok, type Result } from '../../../core/result.js';
import { weftError } from '../../../core/errors.js';

/** What a token grants (the identity is `spiffe://<td>/ns/<namespace>/sa/<serviceAccount>`). */
export interface TokenGrant {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The workload this token was made for (for bookkeeping and `weft token list`). */
  readonly workload?: string;
}

/** A stored token: everything but the secret. */
export interface BootstrapTokenRecord extends TokenGrant {
  readonly id: string;
  /** Hex SHA-256 of the token value. */
  readonly sha256: string;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly revokedAt?: number;
}

/** What `list` and the API show: the record without the hash. */
export type BootstrapTokenInfo = Omit<BootstrapTokenRecord, 'sha256'>;

export interface CreateTokenSpec extends TokenGrant {
  /** Lifetime of the token itself in ms; none = until revoked. */
  readonly ttlMs?: number;
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Checks a token request (DNS label namespace, DNS subdomain service account and workload, positive TTL). */
export function validateTokenSpec(spec: CreateTokenSpec): Result<CreateTokenSpec> {
  const problems: string[] = [];
  if (!LABEL.test(spec.namespace)) problems.push(`namespace "${spec.namespace}" is not a DNS label`);
  if (!NAME.test(spec.serviceAccount)) problems.push(`serviceAccount "${spec.serviceAccount}" is not a DNS subdomain name`);
  if (spec.workload !== undefined && !NAME.test(spec.workload)) problems.push(`workload "${spec.workload}" is not a DNS subdomain name`);
  if (spec.ttlMs !== undefined && !(Number.isSafeInteger(spec.ttlMs) && spec.ttlMs > 0)) problems.push('ttl must be a positive number of milliseconds');
  if (problems.length > 0) return err(weftError('WEFT_CA_TOKEN_SPEC_INVALID', problems.join('; ')));
  return ok(spec);
}

/** Hex SHA-256 of a token value: what is stored and looked up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The SPIFFE ID a grant names in `trustDomain`. */
export function grantedSpiffeId(trustDomain: string, grant: TokenGrant): string {
  return `spiffe://${trustDomain}/ns/${grant.namespace}/sa/${grant.serviceAccount}`;
}

/** The record without its hash. */
export function tokenInfo(record: BootstrapTokenRecord): BootstrapTokenInfo {
  const { sha256: _hash, ...info } = record;
  return info;
}
