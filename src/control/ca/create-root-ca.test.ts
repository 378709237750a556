import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createManualClock } from '../../core/clock.js';
import { x509 } from '../../proxy/tls/x509-lib.js';
import { createRootCa } from './create-root-ca.js';

test('a new root is a self-signed ECDSA P-256 CA allowed to sign certificates', async () => {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const { signer, keyPem } = await createRootCa({ trustDomain: 'cluster.local', clock, lifetimeMs: 3600_000 });
  const cert = new X509Certificate(signer.certPem);
  assert.equal(cert.ca, true);
  assert.ok(cert.checkIssued(cert));
  assert.ok(cert.verify(cert.publicKey));
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(Date.parse(cert.validTo), Date.UTC(2026, 0, 1) + 3600_000);
  const ku = new x509.X509Certificate(signer.certPem).getExtension(x509.KeyUsagesExtension);
  assert.ok(ku !== null && (ku.usages & x509.KeyUsageFlags.keyCertSign) !== 0);
  assert.match(keyPem, /BEGIN PRIVATE KEY/);
  assert.equal(signer.rootPem, signer.certPem);
  assert.deepEqual(signer.chainPem, []);
});
