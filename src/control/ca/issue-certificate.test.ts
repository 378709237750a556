import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSystemClock } from '../../core/system-clock.js';
import { createWorkloadKeyAndCsr } from '../../proxy/tls/csr.js';
import { parseIdentityMaterial } from '../../proxy/tls/identity-material.js';
import { openCaState, rootCertFile, rootKeyFile } from './ca-state.js';
import { startCa } from './start-ca.js';

const clock = createSystemClock();

function tempHome(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function csrFor(id: string): Promise<{ keyPem: string; csrPem: string }> {
  const pair = await createWorkloadKeyAndCsr(id);
  assert.ok(pair.ok);
  return pair.value;
}

test('the root is created once under <home>/ca (key 0600) and the same root is loaded after', async (t) => {
  const home = tempHome(t);
  const first = await openCaState({ home, trustDomain: 'cluster.local', clock });
  assert.ok(first.ok, first.ok ? '' : first.error.message);
  assert.equal(first.value.created, true);
  assert.equal(statSync(join(home, 'ca', rootKeyFile)).mode & 0o777, 0o600);
  assert.equal(statSync(join(home, 'ca')).mode & 0o777, 0o700);
  const second = await openCaState({ home, trustDomain: 'cluster.local', clock });
  assert.ok(second.ok);
  assert.equal(second.value.created, false);
  assert.equal(second.value.signer.rootPem, first.value.signer.rootPem);
  assert.equal(second.value.bundle.roots.length, 1);
  // Half the material is an error, not a silent second root.
  rmSync(join(home, 'ca', rootCertFile));
  const half = await openCaState({ home, trustDomain: 'cluster.local', clock });
  assert.ok(!half.ok && half.error.code === 'WEFT_CA_MATERIAL_INVALID');
});

test('a token issues its own identity with the configured lifetime; other identities, unknown and revoked tokens are refused', async (t) => {
  const home = tempHome(t);
  const ca = await startCa({ home, trustDomain: 'cluster.local', clock, adminToken: 'admin', lifetimeMs: () => 45_000 });
  assert.ok(ca.ok, ca.ok ? '' : ca.error.message);
  const created = ca.value.tokens.create({ namespace: 'shop', serviceAccount: 'cart' });
  assert.ok(created.ok);
  const { token } = created.value;

  const mine = await csrFor('spiffe://cluster.local/ns/shop/sa/cart');
  const before = clock.now();
  const issued = await ca.value.issue({ token, csrPem: mine.csrPem });
  assert.ok(issued.ok, issued.ok ? '' : issued.error.message);
  assert.equal(issued.value.spiffeId, 'spiffe://cluster.local/ns/shop/sa/cart');
  assert.ok(Math.abs(issued.value.notAfter - (before + 45_000)) < 2000, 'lifetime 45 s (second precision)');
  const material = parseIdentityMaterial({ certPem: issued.value.certChainPem, keyPem: mine.keyPem, caPem: issued.value.trustBundlePem }, clock);
  assert.ok(material.ok, material.ok ? '' : material.error.message);
  assert.ok(new X509Certificate(issued.value.certChainPem).verify(new X509Certificate(issued.value.trustBundlePem).publicKey));

  const other = await csrFor('spiffe://cluster.local/ns/shop/sa/payments');
  const refused = await ca.value.issue({ token, csrPem: other.csrPem });
  assert.ok(!refused.ok);
  assert.equal(refused.error.code, 'WEFT_CA_IDENTITY_NOT_GRANTED');

  const otherNs = await csrFor('spiffe://cluster.local/ns/admin/sa/cart');
  const refusedNs = await ca.value.issue({ token, csrPem: otherNs.csrPem });
  assert.ok(!refusedNs.ok && refusedNs.error.code === 'WEFT_CA_IDENTITY_NOT_GRANTED');

  const unknown = await ca.value.issue({ token: 'weft-bt-guess', csrPem: mine.csrPem });
  assert.ok(!unknown.ok && unknown.error.code === 'WEFT_CA_TOKEN_INVALID');

  const garbage = await ca.value.issue({ token, csrPem: 'not a csr' });
  assert.ok(!garbage.ok && garbage.error.code === 'WEFT_CA_CSR_INVALID');

  assert.ok(ca.value.tokens.revoke(created.value.info.id).ok);
  const revoked = await ca.value.issue({ token, csrPem: mine.csrPem });
  assert.ok(!revoked.ok && revoked.error.code === 'WEFT_CA_TOKEN_REVOKED');
});
