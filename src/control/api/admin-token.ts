/**
 * The local admin credential: a random bearer token created at the control plane's first start in
 * `$WEFT_HOME/admin-token` (mode 0600, so only the user who runs Weft can read it). API writes need
 * it; the CLI reads the same file.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.js';

export const adminTokenFile = 'admin-token';

/** Reads the token in `home`, creating it (and nothing else) when absent. Throws on I/O errors. */
export function ensureAdminToken(home: string): string {
  const path = join(home, adminTokenFile);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing !== '') return existing;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}

/** True when an `Authorization` header carries exactly `Bearer <token>` (compared in constant time). */
export function isAuthorized(header: string | undefined, token: string): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7).trim(), 'utf8');
  const expected = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
