import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '../../../core/clock.js';
import { hashToken } from './bootstrap-token.js';
import { openTokenStore, tokenFileName } from './token-store.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-tokens-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a created token authenticates for its identity; only its hash is at rest (0600)', (t) => {
  const dir = tempDir(t);
  const clock = createManualClock(1_700_000_000_000);
  const store = openTokenStore(dir, clock);
  assert.ok(store.ok);
  const created = store.value.create({ namespace: 'shop', serviceAccount: 'cart', workload: 'cart-1' });
  assert.ok(created.ok, created.ok ? '' : created.error.message);
  const { token, info } = created.value;
  assert.match(token, /^weft-bt-[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(info, { id: info.id, namespace: 'shop', serviceAccount: 'cart', workload: 'cart-1', createdAt: 1_700_000_000_000 });
  const onDisk = readFileSync(join(dir, tokenFileName), 'utf8');
  assert.ok(!onDisk.includes(token), 'the token value is not stored');
  assert.ok(onDisk.includes(hashToken(token)), 'its SHA-256 is');
  assert.equal(statSync(join(dir, tokenFileName)).mode & 0o777, 0o600);
  const auth = store.value.authenticate(token);
  assert.ok(auth.ok);
  assert.equal(auth.value.serviceAccount, 'cart');
  assert.equal(store.value.list().length, 1);
  assert.ok(!('sha256' in (store.value.list()[0] ?? {})), 'list does not show hashes');
});

test('unknown, revoked and expired tokens are refused; revocation survives a reopen', (t) => {
  const dir = tempDir(t);
  const clock = createManualClock(1_000_000);
  const store = openTokenStore(dir, clock);
  assert.ok(store.ok);
  const a = store.value.create({ namespace: 'ns', serviceAccount: 'a' });
  const b = store.value.create({ namespace: 'ns', serviceAccount: 'b', ttlMs: 60_000 });
  assert.ok(a.ok && b.ok);
  const unknown = store.value.authenticate('weft-bt-nope');
  assert.ok(!unknown.ok && unknown.error.code === 'WEFT_CA_TOKEN_INVALID');
  const empty = store.value.authenticate('');
  assert.ok(!empty.ok && empty.error.code === 'WEFT_CA_TOKEN_INVALID');

  const revoked = store.value.revoke(a.value.info.id);
  assert.ok(revoked.ok && revoked.value.revokedAt === 1_000_000);
  const afterRevoke = store.value.authenticate(a.value.token);
  assert.ok(!afterRevoke.ok && afterRevoke.error.code === 'WEFT_CA_TOKEN_REVOKED');
  assert.ok(store.value.revoke(a.value.info.id).ok, 'revoking twice is fine');
  const missing = store.value.revoke('0000');
  assert.ok(!missing.ok && missing.error.code === 'WEFT_CA_TOKEN_NOT_FOUND');

  assert.ok(store.value.authenticate(b.value.token).ok);
  clock.advance(60_000);
  const expired = store.value.authenticate(b.value.token);
  assert.ok(!expired.ok && expired.error.code === 'WEFT_CA_TOKEN_EXPIRED');

  const reopened = openTokenStore(dir, clock);
  assert.ok(reopened.ok);
  const again = reopened.value.authenticate(a.value.token);
  assert.ok(!again.ok && again.error.code === 'WEFT_CA_TOKEN_REVOKED');
  assert.equal(reopened.value.list().length, 2);
});

test('bad identities are refused at creation with every problem', (t) => {
  const store = openTokenStore(tempDir(t), createManualClock(0));
  assert.ok(store.ok);
  const bad = store.value.create({ namespace: 'Bad NS', serviceAccount: '', ttlMs: -1 });
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, 'WEFT_CA_TOKEN_SPEC_INVALID');
  assert.match(bad.error.message, /namespace.*serviceAccount.*ttl/);
  assert.equal(store.value.list().length, 0);
});

test('a corrupt table is reported, not silently replaced', (t) => {
  const dir = tempDir(t);
  const store = openTokenStore(dir, createManualClock(0));
  assert.ok(store.ok);
  assert.ok(store.value.create({ namespace: 'ns', serviceAccount: 'sa' }).ok);
  writeFileSync(join(dir, tokenFileName), '{"version": 1, "tokens": [{"id": 3}]}');
  const reopened = openTokenStore(dir, createManualClock(0));
  assert.ok(!reopened.ok && reopened.error.code === 'WEFT_CA_STATE_IO');
});
