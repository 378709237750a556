import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { createManualClock } from '../../core/clock.js';
import { createRootCa } from '../../control/ca/create-root-ca.js';
import { signWorkloadCsr } from '../../control/ca/sign-workload-csr.js';
import { createWorkloadCsr, encodeCsr } from './pkcs10-csr.js';

const ID = 'spiffe://cluster.local/ns/shop/sa/cart';

function openssl(args: readonly string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', [...args], { timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

test('openssl verifies the CSR and shows the URI SAN, the key and the signature algorithm', async () => {
  const r = createWorkloadCsr(ID);
  assert.ok(r.ok);
  const out = await openssl(['req', '-verify', '-noout', '-text'], r.value.csrPem);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr + out.stdout, /verify OK/i);
  assert.match(out.stdout, /URI:spiffe:\/\/cluster\.local\/ns\/shop\/sa\/cart/);
  assert.match(out.stdout, /X509v3 Subject Alternative Name: critical/);
  assert.match(out.stdout, /ecdsa-with-SHA256/);
  assert.match(out.stdout, /NIST CURVE: P-256|prime256v1/);
  // The key is PKCS#8 and matches the CSR's public key.
  const key = createPrivateKey(r.value.keyPem);
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
});

test('a common name, when given, is the subject', async () => {
  const r = createWorkloadCsr(ID, 'cart-0');
  assert.ok(r.ok);
  const out = await openssl(['req', '-verify', '-noout', '-subject'], r.value.csrPem);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /CN\s*=\s*cart-0/);
});

test('a CSR with a wrong signature fails openssl verification (the check above can fail)', async () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const der = encodeCsr({ spkiDer: publicKey.export({ type: 'spki', format: 'der' }), uri: ID }, (info) => sign('sha256', info, other));
  const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`;
  const out = await openssl(['req', '-verify', '-noout'], pem);
  // OpenSSL 3.0 exits 0 here and says so on stderr (later versions exit 1).
  assert.doesNotMatch(out.stderr + out.stdout, /verify OK/i);
  assert.match(out.stderr + out.stdout, /verify failure/i);
});

test('the control plane CA signs it into a certificate with that SPIFFE ID for the same key', async () => {
  const clock = createManualClock(1_800_000_000_000);
  const root = await createRootCa({ trustDomain: 'cluster.local', clock });
  const r = createWorkloadCsr(ID);
  assert.ok(r.ok);
  const signed = await signWorkloadCsr(root.signer, r.value.csrPem, ID, { clock });
  assert.ok(signed.ok, signed.ok ? '' : signed.error.message);
  const cert = new X509Certificate(signed.value.certPem);
  assert.equal(cert.subjectAltName, `URI:${ID}`);
  assert.ok(cert.checkPrivateKey(createPrivateKey(r.value.keyPem)));
  assert.ok(cert.publicKey.equals(createPublicKey(r.value.keyPem)));
  // Asking for another identity than granted is refused.
  const denied = await signWorkloadCsr(root.signer, r.value.csrPem, 'spiffe://cluster.local/ns/shop/sa/other', { clock });
  assert.equal(denied.ok, false);
});

test('a non-SPIFFE identity is refused before any key is made', () => {
  const r = createWorkloadCsr('https://example.com/x');
  assert.equal(r.ok, false);
});
