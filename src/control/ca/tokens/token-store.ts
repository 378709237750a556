/**
 * The bootstrap token table, `<ca dir>/bootstrap-tokens.json` (mode 0600), rewritten atomically on
 * every change (a crash leaves the old or the new table, never a mix). It holds SHA-256 hashes only:
 * a token value is shown once, by `create`, and cannot be recovered from the file.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../../core/clock.js';
import { err, ok, type Result } from '../../../core/result.js';
import { weftError, type WeftError } from '../../../core/errors.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { hashToken, tokenInfo, validateTokenSpec, type BootstrapTokenInfo, type BootstrapTokenRecord, type CreateTokenSpec } from './bootstrap-token.js';
import { isRecord } from '../../../core/is-record.js';

export const tokenFileName = 'bootstrap-tokens.json';

export interface CreatedToken {
  /** The secret: shown once, never stored. */
  readonly token: string;
  readonly info: BootstrapTokenInfo;
}

export interface TokenStore {
  /** Creates a token for one identity. Errors: `WEFT_CA_TOKEN_SPEC_INVALID`, `WEFT_CA_STATE_IO`. */
  create(spec: CreateTokenSpec): Result<CreatedToken, WeftError>;
  /** Revokes by id (idempotent). Errors: `WEFT_CA_TOKEN_NOT_FOUND`, `WEFT_CA_STATE_IO`. */
  revoke(id: string): Result<BootstrapTokenInfo, WeftError>;
  /** Every token, oldest first, without hashes. */
  list(): readonly BootstrapTokenInfo[];
  /**
   * The record a presented token value stands for, if it is known, not revoked and not expired.
   * Errors: `WEFT_CA_TOKEN_INVALID`, `WEFT_CA_TOKEN_REVOKED`, `WEFT_CA_TOKEN_EXPIRED`.
   */
  authenticate(token: string): Result<BootstrapTokenRecord, WeftError>;
}

interface TokenFile {
  readonly version: 1;
  readonly tokens: readonly BootstrapTokenRecord[];
}

/** Opens (or starts) the table in `caDir`. Errors: `WEFT_CA_STATE_IO` for an unreadable or corrupt file. */
export function openTokenStore(caDir: string, clock: Clock): Result<TokenStore, WeftError> {
  const path = join(caDir, tokenFileName);
  const loaded = readTable(path);
  if (!loaded.ok) return err(loaded.error);
  const records: BootstrapTokenRecord[] = [...loaded.value];
  const byHash = new Map(records.map((r) => [r.sha256, r]));

  const persist = (next: BootstrapTokenRecord[]): Result<void, WeftError> => {
    const file: TokenFile = { version: 1, tokens: next };
    try {
      writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
      return ok(undefined);
    } catch (e) {
      return err(weftError('WEFT_CA_STATE_IO', `cannot write ${path}: ${e instanceof Error ? e.message : 'unknown error'}`));
    }
  };

  const store: TokenStore = {
    create(spec) {
      const valid = validateTokenSpec(spec);
      if (!valid.ok) return err(valid.error);
      const token = `weft-bt-${randomBytes(32).toString('base64url')}`;
      const now = clock.now();
      const record: BootstrapTokenRecord = Object.freeze({
        id: randomBytes(8).toString('hex'),
        sha256: hashToken(token),
        namespace: spec.namespace,
        serviceAccount: spec.serviceAccount,
        ...(spec.workload !== undefined ? { workload: spec.workload } : {}),
        createdAt: now,
        ...(spec.ttlMs !== undefined ? { expiresAt: now + spec.ttlMs } : {}),
      });
      const written = persist([...records, record]);
      if (!written.ok) return err(written.error);
      records.push(record);
      byHash.set(record.sha256, record);
      return ok({ token, info: tokenInfo(record) });
    },
    revoke(id) {
      const index = records.findIndex((r) => r.id === id);
      const found = records[index];
      if (found === undefined) return err(weftError('WEFT_CA_TOKEN_NOT_FOUND', `no bootstrap token has id ${id}`));
      if (found.revokedAt !== undefined) return ok(tokenInfo(found));
      const revoked: BootstrapTokenRecord = Object.freeze({ ...found, revokedAt: clock.now() });
      const next = [...records];
      next[index] = revoked;
      const written = persist(next);
      if (!written.ok) return err(written.error);
      records[index] = revoked;
      byHash.set(revoked.sha256, revoked);
      return ok(tokenInfo(revoked));
    },
    list() {
      return records.map(tokenInfo);
    },
    authenticate(token) {
      const record = token === '' ? undefined : byHash.get(hashToken(token));
      if (record === undefined) return err(weftError('WEFT_CA_TOKEN_INVALID', 'the bootstrap token is not known to this CA'));
      if (record.revokedAt !== undefined) return err(weftError('WEFT_CA_TOKEN_REVOKED', `bootstrap token ${record.id} was revoked`));
      if (record.expiresAt !== undefined && clock.now() >= record.expiresAt) return err(weftError('WEFT_CA_TOKEN_EXPIRED', `bootstrap token ${record.id} expired`));
      return ok(record);
    },
  };
  return ok(store);
}

function readTable(path: string): Result<readonly BootstrapTokenRecord[], WeftError> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok([]);
    return err(weftError('WEFT_CA_STATE_IO', `cannot read ${path}: ${e instanceof Error ? e.message : 'unknown error'}`));
  }
  const corrupt = (why: string): Result<readonly BootstrapTokenRecord[], WeftError> => err(weftError('WEFT_CA_STATE_IO', `${path} is not a token table: ${why}`));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return corrupt(e instanceof Error ? e.message : 'bad JSON');
  }
  if (!isRecord(parsed) || parsed['version'] !== 1 || !Array.isArray(parsed['tokens'])) return corrupt('expected {"version": 1, "tokens": [...]}');
  const out: BootstrapTokenRecord[] = [];
  for (const [i, t] of (parsed['tokens'] as unknown[]).entries()) {
    if (!isRecord(t)) return corrupt(`tokens[${i}] is not an object`);
    const { id, sha256, namespace, serviceAccount, workload, createdAt, expiresAt, revokedAt } = t;
    if (typeof id !== 'string' || typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256) || typeof namespace !== 'string' || typeof serviceAccount !== 'string' || typeof createdAt !== 'number') {
      return corrupt(`tokens[${i}] lacks id, sha256, namespace, serviceAccount or createdAt`);
    }
    if ((workload !== undefined && typeof workload !== 'string') || (expiresAt !== undefined && typeof expiresAt !== 'number') || (revokedAt !== undefined && typeof revokedAt !== 'number')) {
      return corrupt(`tokens[${i}] has a workload, expiresAt or revokedAt of the wrong type`);
    }
    out.push(
      Object.freeze({
        id,
        sha256,
        namespace,
        serviceAccount,
        ...(typeof workload === 'string' ? { workload } : {}),
        createdAt,
        ...(typeof expiresAt === 'number' ? { expiresAt } : {}),
        ...(typeof revokedAt === 'number' ? { revokedAt } : {}),
      }),
    );
  }
  return ok(out);
}

