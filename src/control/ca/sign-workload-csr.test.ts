import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '../../core/clock.js';
import { createWorkloadKeyAndCsr } from '../../proxy/tls/csr.js';
import { x509 } from '../../proxy/tls/x509-lib.js';
import { createRootCa } from './create-root-ca.js';
import { signWorkloadCsr } from './sign-workload-csr.js';

const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);
const WEB = 'spiffe://cluster.local/ns/default/sa/web';

async function setup() {
  const clock = createManualClock(T0);
  const root = await createRootCa({ trustDomain: 'cluster.local', clock });
  const pair = await createWorkloadKeyAndCsr(WEB);
  assert.ok(pair.ok);
  return { clock, root, pair: pair.value };
}

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { encoding: 'utf8', ...(input === undefined ? {} : { input }), stdio: ['pipe', 'pipe', 'pipe'] });
}

test('a CSR for the granted identity is signed into a SPIFFE workload certificate', async () => {
  const { clock, root, pair } = await setup();
  const r = await signWorkloadCsr(root.signer, pair.csrPem, WEB, { clock });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const cert = new X509Certificate(r.value.certPem);
  assert.equal(cert.subjectAltName, `URI:${WEB}`);
  assert.equal(cert.ca, false);
  assert.ok(cert.verify(new X509Certificate(root.signer.certPem).publicKey));
  const parsed = new x509.X509Certificate(r.value.certPem);
  const eku = parsed.getExtension(x509.ExtendedKeyUsageExtension);
  assert.deepEqual([...(eku?.usages ?? [])], [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
  const ku = parsed.getExtension(x509.KeyUsagesExtension);
  assert.equal(ku?.usages, x509.KeyUsageFlags.digitalSignature);
  assert.equal(ku?.critical, true);
  // default lifetime 24 h, backdated 60 s
  assert.equal(r.value.notAfter, T0 + 24 * 3600 * 1000);
  assert.equal(r.value.notBefore, T0 - 60 * 1000);
  assert.equal(r.value.spiffeId, WEB);
  assert.equal(r.value.chainPem, r.value.certPem);
});

test('a CSR asking for another identity than the granted one is refused', async () => {
  const { clock, root, pair } = await setup();
  const r = await signWorkloadCsr(root.signer, pair.csrPem, 'spiffe://cluster.local/ns/default/sa/admin', { clock });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'WEFT_CA_IDENTITY_NOT_GRANTED');
  assert.match(r.error.message, /sa\/web/);
});

test('a grant outside the CA trust domain is refused', async () => {
  const { clock, root } = await setup();
  const other = await createWorkloadKeyAndCsr('spiffe://evil.example/ns/default/sa/web');
  assert.ok(other.ok);
  const r = await signWorkloadCsr(root.signer, other.value.csrPem, 'spiffe://evil.example/ns/default/sa/web', { clock });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'WEFT_CA_IDENTITY_NOT_GRANTED');
});

test('a tampered CSR (signature no longer matches) is refused', async () => {
  const { clock, root, pair } = await setup();
  const der = Buffer.from(new x509.Pkcs10CertificateRequest(pair.csrPem).rawData);
  // Rewrite the identity inside the signed part: .../sa/web -> .../sa/wec, then ask for exactly that.
  const at = der.indexOf(Buffer.from('sa/web'));
  assert.ok(at > 0);
  der[at + 5] = 'c'.charCodeAt(0);
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  const r = await signWorkloadCsr(root.signer, tampered, 'spiffe://cluster.local/ns/default/sa/wec', { clock });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'WEFT_CA_CSR_INVALID');
  assert.match(r.error.message, /signature/);
});

test('garbage is refused as an invalid CSR', async () => {
  const { clock, root } = await setup();
  const r = await signWorkloadCsr(root.signer, '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', WEB, { clock });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'WEFT_CA_CSR_INVALID');
});

test('the lifetime is honoured and never exceeds the signer', async () => {
  const { clock, root, pair } = await setup();
  clock.advance(5000);
  const r = await signWorkloadCsr(root.signer, pair.csrPem, WEB, { clock, lifetimeMs: 60_000, backdateMs: 0 });
  assert.ok(r.ok);
  assert.equal(r.value.notBefore, T0 + 5000);
  assert.equal(r.value.notAfter, T0 + 65_000);
  const cert = new X509Certificate(r.value.certPem);
  assert.equal(Date.parse(cert.validTo), T0 + 65_000);
  const long = await signWorkloadCsr(root.signer, pair.csrPem, WEB, { clock, lifetimeMs: 100 * 365 * 24 * 3600 * 1000 });
  assert.ok(long.ok);
  assert.equal(long.value.notAfter, root.signer.cert.notAfter.getTime());
});

test('CSRs from other tools: RSA keys and extra SANs are refused, a plain EC CSR is signed', async () => {
  const { clock, root } = await setup();
  const dir = mkdtempSync(join(tmpdir(), 'weft-ca-'));
  try {
    const rsa = openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'rsa.key'), '-subj', '/', '-addext', `subjectAltName=URI:${WEB}`]);
    const r1 = await signWorkloadCsr(root.signer, rsa, WEB, { clock });
    assert.ok(!r1.ok);
    assert.match(r1.error.message, /P-256/);
    const extra = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ec.key'), '-subj', '/', '-addext', `subjectAltName=URI:${WEB},DNS:evil.example`]);
    const r2 = await signWorkloadCsr(root.signer, extra, WEB, { clock });
    assert.ok(!r2.ok);
    assert.equal(r2.error.code, 'WEFT_CA_IDENTITY_NOT_GRANTED');
    const plain = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ec2.key'), '-subj', '/CN=ignored', '-addext', `subjectAltName=URI:${WEB}`]);
    const r3 = await signWorkloadCsr(root.signer, plain, WEB, { clock });
    assert.ok(r3.ok, r3.ok ? '' : r3.error.message);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the chain verifies with openssl verify for TLS client and server use', async () => {
  // openssl checks validity against the real time, so issue around now.
  const clock = createManualClock(Math.floor(new Date().getTime() / 1000) * 1000);
  const root = await createRootCa({ trustDomain: 'cluster.local', clock });
  const pair = await createWorkloadKeyAndCsr(WEB);
  assert.ok(pair.ok);
  const r = await signWorkloadCsr(root.signer, pair.value.csrPem, WEB, { clock });
  assert.ok(r.ok);
  const dir = mkdtempSync(join(tmpdir(), 'weft-ca-'));
  try {
    writeFileSync(join(dir, 'root.pem'), root.signer.certPem);
    writeFileSync(join(dir, 'leaf.pem'), r.value.certPem);
    for (const purpose of ['sslclient', 'sslserver']) {
      const out = openssl(['verify', '-purpose', purpose, '-CAfile', join(dir, 'root.pem'), join(dir, 'leaf.pem')]);
      assert.match(out, /leaf\.pem: OK/);
    }
    const other = await createRootCa({ trustDomain: 'cluster.local', clock });
    writeFileSync(join(dir, 'other.pem'), other.signer.certPem);
    assert.throws(() => openssl(['verify', '-CAfile', join(dir, 'other.pem'), join(dir, 'leaf.pem')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
