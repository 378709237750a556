import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../core/clock.js';
import { createRootCa } from '../../control/ca/create-root-ca.js';
import { signWorkloadCsr } from '../../control/ca/sign-workload-csr.js';
import { createWorkloadKeyAndCsr } from './csr.js';
import { parseIdentityMaterial } from './identity-material.js';

const ID = 'spiffe://cluster.local/ns/default/sa/web';

test('identity material: SPIFFE ID, validity, key match; CSR generation refuses non-SPIFFE IDs', async () => {
  const t0 = Date.UTC(2026, 5, 1);
  const clock = createManualClock(t0);
  const root = await createRootCa({ trustDomain: 'cluster.local', clock });
  const pair = await createWorkloadKeyAndCsr(ID);
  assert.ok(pair.ok);
  assert.match(pair.value.keyPem, /BEGIN PRIVATE KEY/);
  assert.match(pair.value.csrPem, /BEGIN CERTIFICATE REQUEST/);
  const signed = await signWorkloadCsr(root.signer, pair.value.csrPem, ID, { clock, lifetimeMs: 3600_000, backdateMs: 0 });
  assert.ok(signed.ok);
  const m = parseIdentityMaterial({ certPem: signed.value.chainPem, keyPem: pair.value.keyPem, caPem: root.signer.certPem }, clock);
  assert.ok(m.ok, m.ok ? '' : m.error.message);
  assert.equal(m.value.spiffeId, ID);
  assert.equal(m.value.notBefore, t0);
  assert.equal(m.value.notAfter, t0 + 3600_000);
  assert.ok(Object.isFrozen(m.value));

  clock.advance(3600_000);
  const expired = parseIdentityMaterial({ certPem: signed.value.certPem, keyPem: pair.value.keyPem, caPem: root.signer.certPem }, clock);
  assert.ok(!expired.ok);
  assert.match(expired.error.message, /expired/);

  const other = await createWorkloadKeyAndCsr(ID);
  assert.ok(other.ok);
  const mismatch = parseIdentityMaterial({ certPem: signed.value.certPem, keyPem: other.value.keyPem, caPem: root.signer.certPem });
  assert.ok(!mismatch.ok);
  assert.equal(mismatch.error.code, 'WEFT_TLS_MATERIAL_INVALID');

  // A CA certificate has no SPIFFE ID: not identity material.
  const noId = parseIdentityMaterial({ certPem: root.signer.certPem, keyPem: root.keyPem, caPem: root.signer.certPem });
  assert.ok(!noId.ok);
  assert.match(noId.error.message, /spiffe/);
  const noCa = parseIdentityMaterial({ certPem: signed.value.certPem, keyPem: pair.value.keyPem, caPem: '' });
  assert.ok(!noCa.ok);

  const bad = await createWorkloadKeyAndCsr('spiffe://cluster.local/oops');
  assert.ok(!bad.ok);
});
