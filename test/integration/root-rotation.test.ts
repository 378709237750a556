// Root rotation without downtime: while the trust bundle holds the old and the new root, workloads
// with certificates from either root talk to each other over mutual TLS.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import type tls from 'node:tls';
import { createSystemClock } from '../../src/core/system-clock.js';
import type { CaSigner } from '../../src/control/ca/ca-signer.js';
import { createRootCa } from '../../src/control/ca/create-root-ca.js';
import { signWorkloadCsr } from '../../src/control/ca/sign-workload-csr.js';
import { addRoot, createTrustBundle } from '../../src/control/ca/trust-bundle.js';
import { createWorkloadKeyAndCsr } from '../../src/proxy/tls/csr.js';
import { parseIdentityMaterial, type IdentityMaterial } from '../../src/proxy/tls/identity-material.js';
import { createTlsCredentials } from '../../src/proxy/tls/tls-credentials.js';
import { classifyTlsError } from '../../src/proxy/tls/tls-errors.js';

const SERVER = 'spiffe://cluster.local/ns/default/sa/server';
const CLIENT = 'spiffe://cluster.local/ns/default/sa/client';
const clock = createSystemClock();
const closers: (() => void)[] = [];
after(() => closers.forEach((c) => c()));

async function workload(signer: CaSigner, id: string, caPem: string): Promise<IdentityMaterial> {
  const pair = await createWorkloadKeyAndCsr(id);
  assert.ok(pair.ok);
  const cert = await signWorkloadCsr(signer, pair.value.csrPem, id, { clock, lifetimeMs: 600_000 });
  assert.ok(cert.ok);
  const m = parseIdentityMaterial({ certPem: cert.value.chainPem, keyPem: pair.value.keyPem, caPem });
  assert.ok(m.ok, m.ok ? '' : m.error.message);
  return m.value;
}

async function talk(server: IdentityMaterial, client: IdentityMaterial): Promise<{ reply?: string; error?: Error }> {
  const s = createTlsCredentials(server, 'STRICT').createServer({
    onSecure: (sock, id) => {
      sock.on('error', () => undefined);
      sock.once('data', () => sock.end(`peer=${id}\n`));
    },
    onFailure: () => undefined,
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  closers.push(() => s.close());
  const c: tls.TLSSocket = createTlsCredentials(client, 'STRICT').connect({ host: '127.0.0.1', port: (s.address() as net.AddressInfo).port, expectedIds: [SERVER] });
  let reply = '';
  let error: Error | undefined;
  c.on('secureConnect', () => c.write('hi\n'));
  c.on('data', (d: Buffer) => (reply += d.toString()));
  c.on('error', (e: Error) => {
    error = e;
  });
  const timer = setTimeout(() => c.destroy(new Error('timed out')), 5000);
  await new Promise<void>((resolve) => c.once('close', () => resolve()));
  clearTimeout(timer);
  return { ...(reply === '' ? {} : { reply }), ...(error === undefined ? {} : { error }) };
}

test('with both roots in the bundle, old-root and new-root workloads accept each other; without, they do not', async () => {
  const oldRoot = await createRootCa({ trustDomain: 'cluster.local', clock });
  const newRoot = await createRootCa({ trustDomain: 'cluster.local', clock });
  const before = createTrustBundle([oldRoot.signer.certPem]);
  assert.ok(before.ok);
  const during = addRoot(before.value, newRoot.signer.certPem);
  assert.ok(during.ok);
  assert.equal(during.value.roots.length, 2);

  // Server still on the old root, client already re-issued from the new one; both trust both.
  const both = await talk(await workload(oldRoot.signer, SERVER, during.value.pem), await workload(newRoot.signer, CLIENT, during.value.pem));
  assert.equal(both.reply, `peer=${CLIENT}\n`);
  const reverse = await talk(await workload(newRoot.signer, SERVER, during.value.pem), await workload(oldRoot.signer, CLIENT, during.value.pem));
  assert.equal(reverse.reply, `peer=${CLIENT}\n`);

  // A client that trusts only the new root refuses a server still on the old one.
  const onlyNew = await talk(await workload(oldRoot.signer, SERVER, during.value.pem), await workload(newRoot.signer, CLIENT, newRoot.signer.certPem));
  assert.equal(onlyNew.reply, undefined);
  assert.equal(classifyTlsError(onlyNew.error), 'unknown_ca');
});
