import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '../../core/clock.js';
import { createWorkloadKeyAndCsr } from '../../proxy/tls/csr.js';
import { createRootCa } from './create-root-ca.js';
import { loadCa } from './load-ca.js';
import { signWorkloadCsr } from './sign-workload-csr.js';

const WEB = 'spiffe://cluster.local/ns/default/sa/web';
const nowClock = () => createManualClock(Math.floor(new Date().getTime() / 1000) * 1000);

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('a root Weft created loads back from its PEM files', async () => {
  const clock = nowClock();
  const created = await createRootCa({ trustDomain: 'cluster.local', clock });
  const loaded = await loadCa({ trustDomain: 'cluster.local', certChainPem: created.signer.certPem, keyPem: created.keyPem, clock });
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
  assert.equal(loaded.value.rootPem, created.signer.certPem);
});

test('a key that does not match, a non-CA certificate and garbage are refused', async () => {
  const clock = nowClock();
  const a = await createRootCa({ trustDomain: 'cluster.local', clock });
  const b = await createRootCa({ trustDomain: 'cluster.local', clock });
  const mismatch = await loadCa({ trustDomain: 'cluster.local', certChainPem: a.signer.certPem, keyPem: b.keyPem, clock });
  assert.ok(!mismatch.ok);
  assert.equal(mismatch.error.code, 'WEFT_CA_MATERIAL_INVALID');
  assert.match(mismatch.error.message, /does not match/);

  const pair = await createWorkloadKeyAndCsr(WEB);
  assert.ok(pair.ok);
  const leaf = await signWorkloadCsr(a.signer, pair.value.csrPem, WEB, { clock });
  assert.ok(leaf.ok);
  const notCa = await loadCa({ trustDomain: 'cluster.local', certChainPem: leaf.value.certPem, keyPem: pair.value.keyPem, rootPem: a.signer.certPem, clock });
  assert.ok(!notCa.ok);
  assert.match(notCa.error.message, /not a CA/);

  const garbage = await loadCa({ trustDomain: 'cluster.local', certChainPem: 'nothing here', keyPem: a.keyPem, clock });
  assert.ok(!garbage.ok);

  clock.advance(20 * 365 * 24 * 3600 * 1000);
  const expired = await loadCa({ trustDomain: 'cluster.local', certChainPem: a.signer.certPem, keyPem: a.keyPem, clock });
  assert.ok(!expired.ok);
  assert.match(expired.error.message, /not valid now/);
});

test('a user-supplied intermediate (made with openssl) signs workload certificates that verify to the root', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-ca-'));
  try {
    writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-subj', '/O=corp/CN=corp root', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/O=corp/CN=mesh intermediate'], dir);
    openssl(['x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.pem', '-days', '10', '-extfile', 'ca.ext'], dir);
    const clock = nowClock();
    const loaded = await loadCa({
      trustDomain: 'cluster.local',
      certChainPem: readFileSync(join(dir, 'int.pem'), 'utf8'),
      keyPem: readFileSync(join(dir, 'int.key'), 'utf8'),
      rootPem: readFileSync(join(dir, 'root.pem'), 'utf8'),
      clock,
    });
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
    assert.equal(loaded.value.chainPem.length, 0);
    const pair = await createWorkloadKeyAndCsr(WEB);
    assert.ok(pair.ok);
    const leaf = await signWorkloadCsr(loaded.value, pair.value.csrPem, WEB, { clock });
    assert.ok(leaf.ok, leaf.ok ? '' : leaf.error.message);
    writeFileSync(join(dir, 'leaf.pem'), leaf.value.certPem);
    const out = openssl(['verify', '-CAfile', 'root.pem', '-untrusted', 'int.pem', 'leaf.pem'], dir);
    assert.match(out, /leaf\.pem: OK/);

    const noRoot = await loadCa({ trustDomain: 'cluster.local', certChainPem: readFileSync(join(dir, 'int.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'int.key'), 'utf8'), clock });
    assert.ok(!noRoot.ok);
    assert.match(noRoot.error.message, /self-signed root/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
