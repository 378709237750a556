// A resumed TLS session skips certificate verification (OpenSSL restores the full handshake's
// verdict). Without a check, a proxy whose certificate expired (say, its bootstrap token was
// revoked) would still be accepted by peers holding its session. The credentials refuse resumed
// sessions whose peer certificate is out of date, on the server and on the client side.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createSystemClock } from '../../src/core/system-clock.js';
import type { CaSigner } from '../../src/control/ca/ca-signer.js';
import { createRootCa } from '../../src/control/ca/create-root-ca.js';
import { signWorkloadCsr } from '../../src/control/ca/sign-workload-csr.js';
import { createWorkloadKeyAndCsr } from '../../src/proxy/tls/csr.js';
import { parseIdentityMaterial, type IdentityMaterial } from '../../src/proxy/tls/identity-material.js';
import { createTlsCredentials, type TlsCredentials } from '../../src/proxy/tls/tls-credentials.js';
import type { TlsFailureReason } from '../../src/proxy/tls/tls-errors.js';

const SERVER = 'spiffe://cluster.local/ns/a/sa/server';
const CLIENT = 'spiffe://cluster.local/ns/a/sa/client';
const clock = createSystemClock();
const closers: (() => void)[] = [];
after(() => closers.forEach((c) => c()));

async function material(signer: CaSigner, id: string, lifetimeMs: number): Promise<IdentityMaterial> {
  const pair = await createWorkloadKeyAndCsr(id);
  assert.ok(pair.ok);
  // No backdating: the certificate is valid from now, and expires lifetimeMs from now (second precision).
  const cert = await signWorkloadCsr(signer, pair.value.csrPem, id, { clock, lifetimeMs, backdateMs: 0 });
  assert.ok(cert.ok);
  const m = parseIdentityMaterial({ certPem: cert.value.chainPem, keyPem: pair.value.keyPem, caPem: signer.rootPem });
  assert.ok(m.ok);
  return m.value;
}

async function serve(credentials: TlsCredentials, refusals: TlsFailureReason[]): Promise<number> {
  const server = credentials.createServer({
    onSecure: (socket, id) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end(`ok ${id} reused=${socket.isSessionReused()}\n`));
    },
    onFailure: (reason) => refusals.push(reason),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return (server.address() as AddressInfo).port;
}

function exchange(credentials: TlsCredentials, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = credentials.connect({ host: '127.0.0.1', port, expectedIds: [SERVER] });
    let out = '';
    const timer = setTimeout(() => socket.destroy(new Error('timed out')), 5000);
    socket.on('secureConnect', () => socket.write('hi\n'));
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('error', (e) => (out += `error: ${e.message}`));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

async function until(time: number): Promise<void> {
  while (Date.now() < time) await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, time - Date.now()))));
}

test('the server refuses a resumed session of a client whose certificate has expired', async () => {
  const root = await createRootCa({ trustDomain: 'cluster.local', clock });
  const refusals: TlsFailureReason[] = [];
  const port = await serve(createTlsCredentials(await material(root.signer, SERVER, 600_000), 'STRICT'), refusals);
  const clientMaterial = await material(root.signer, CLIENT, 2000);
  const client = createTlsCredentials(clientMaterial, 'STRICT');
  assert.equal(await exchange(client, port), `ok ${CLIENT} reused=false\n`);
  assert.equal(await exchange(client, port), `ok ${CLIENT} reused=true\n`, 'the session is resumed while the certificate is valid');
  await until(clientMaterial.notAfter + 50);
  const late = await exchange(client, port);
  assert.ok(!late.startsWith('ok'), `refused after expiry, got ${late}`);
  assert.deepEqual(refusals, ['expired']);
});

test('the client refuses a resumed session of a server whose certificate has expired', async () => {
  const root = await createRootCa({ trustDomain: 'cluster.local', clock });
  const serverMaterial = await material(root.signer, SERVER, 2000);
  const port = await serve(createTlsCredentials(serverMaterial, 'STRICT'), []);
  const client = createTlsCredentials(await material(root.signer, CLIENT, 600_000), 'STRICT');
  assert.equal(await exchange(client, port), `ok ${CLIENT} reused=false\n`);
  assert.equal(await exchange(client, port), `ok ${CLIENT} reused=true\n`);
  await until(serverMaterial.notAfter + 50);
  const late = await exchange(client, port);
  assert.match(late, /^error: .*(expired)/, `refused after expiry, got ${late}`);
});
