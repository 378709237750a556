import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../core/clock.js';
import { createWorkloadKeyAndCsr } from '../../proxy/tls/csr.js';
import { createRootCa } from './create-root-ca.js';
import { signWorkloadCsr } from './sign-workload-csr.js';
import { addRoot, createTrustBundle } from './trust-bundle.js';

test('a trust bundle holds one or two roots, newest first, and refuses a third or a non-root', async () => {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => createRootCa({ trustDomain: 'cluster.local', clock })));
  const one = createTrustBundle([a!.signer.certPem]);
  assert.ok(one.ok);
  assert.equal(one.value.roots.length, 1);
  const two = addRoot(one.value, b!.signer.certPem);
  assert.ok(two.ok);
  assert.deepEqual(two.value.roots, [b!.signer.certPem, a!.signer.certPem]);
  assert.equal(two.value.pem, b!.signer.certPem + a!.signer.certPem);
  // rotating again keeps the newest two
  const next = addRoot(two.value, c!.signer.certPem);
  assert.ok(next.ok);
  assert.deepEqual(next.value.roots, [c!.signer.certPem, b!.signer.certPem]);
  const three = createTrustBundle([a!.signer.certPem, b!.signer.certPem, c!.signer.certPem]);
  assert.ok(!three.ok);
  const dup = createTrustBundle([a!.signer.certPem, a!.signer.certPem]);
  assert.ok(dup.ok);
  assert.equal(dup.value.roots.length, 1);

  const pair = await createWorkloadKeyAndCsr('spiffe://cluster.local/ns/a/sa/b');
  assert.ok(pair.ok);
  const leaf = await signWorkloadCsr(a!.signer, pair.value.csrPem, 'spiffe://cluster.local/ns/a/sa/b', { clock });
  assert.ok(leaf.ok);
  const notRoot = createTrustBundle([leaf.value.certPem]);
  assert.ok(!notRoot.ok);
  assert.equal(notRoot.error.code, 'WEFT_CA_MATERIAL_INVALID');
  assert.ok(!createTrustBundle([]).ok);
});
