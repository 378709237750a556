// The registry survives a control plane restart (registry-file.ts), through real control planes on
// one $WEFT_HOME and real proxy streams over mTLS: the first proxy to reconnect to the restarted
// control plane gets the very snapshot version it had (its peers' endpoints included, though their
// proxies have not reconnected yet); a corrupt registry file starts an empty registry with a warning.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSystemClock } from '../../src/core/system-clock.js';
import { signWorkloadCsr } from '../../src/control/ca/sign-workload-csr.js';
import { startControlPlane, type RunningControlPlane } from '../../src/control/control-plane.js';
import { createWorkloadCsr } from '../../src/proxy/tls/pkcs10-csr.js';
import { connectTestProxy, type ClientTls, type TestProxyClient } from '../support/distributor-client.js';
import { eventually } from '../support/processes.js';
import { service } from '../support/resource-fixtures.js';

const clock = createSystemClock();
const home = mkdtempSync(join(tmpdir(), 'weft-registry-restart-'));
const registryFile = join(home, 'registry.json');
const open: { cp?: RunningControlPlane; streams: TestProxyClient[] } = { streams: [] };

const webRegistration = { namespace: 'shop', name: 'web-0', serviceAccount: 'web', labels: { app: 'web' }, addresses: ['127.0.0.10'], ports: [{ port: 8080, protocol: 'http' }] };
const clientRegistration = { namespace: 'shop', name: 'client-0', serviceAccount: 'client', labels: { app: 'client' }, addresses: ['127.0.0.11'], ports: [{ port: 9090, protocol: 'http' }] };

async function start(): Promise<RunningControlPlane> {
  if (open.cp !== undefined) await stop(open.cp); // left open by a failed test
  const started = await startControlPlane({ home, host: '127.0.0.1', port: 0, clock });
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  open.cp = started.value;
  return started.value;
}

async function stop(cp: RunningControlPlane): Promise<void> {
  for (const s of open.streams.splice(0)) s.close();
  await cp.close();
  delete open.cp;
}

async function tlsFor(cp: RunningControlPlane, sa: string): Promise<ClientTls> {
  const id = `spiffe://cluster.local/ns/shop/sa/${sa}`;
  const csr = createWorkloadCsr(id);
  assert.ok(csr.ok);
  const issued = await signWorkloadCsr(cp.ca.state.signer, csr.value.csrPem, id, { clock, lifetimeMs: 3_600_000 });
  assert.ok(issued.ok);
  return { certPem: issued.value.chainPem, keyPem: csr.value.keyPem, caPem: cp.ca.state.bundle.pem };
}

async function subscribe(cp: RunningControlPlane, tls: ClientTls, registration: unknown): Promise<TestProxyClient> {
  const stream = await connectTestProxy(`https://127.0.0.1:${cp.distribution.address.port}`, tls, registration);
  open.streams.push(stream);
  return stream;
}

after(async () => {
  if (open.cp !== undefined) await stop(open.cp);
  rmSync(home, { recursive: true, force: true });
});

test('a restarted control plane compiles the world it had: the first proxy back gets the version it runs', async () => {
  const first = await start();
  assert.equal(first.restoredInstances, 0);
  assert.deepEqual(first.warnings, []);
  const applied = await first.store.apply(service('web', 'shop', { app: 'web' }, 8080));
  assert.ok(applied.ok);
  const clientTls = await tlsFor(first, 'client');
  const webTls = await tlsFor(first, 'web');
  await subscribe(first, webTls, webRegistration);
  const client = await subscribe(first, clientTls, clientRegistration);
  const original = await client.nextSnapshot((s) => JSON.stringify(s).includes('127.0.0.10'), 10_000);
  client.send({ type: 'ack', version: original.version });
  // Written within the persister's window (500 ms), before any shutdown: a kill -9 would find it.
  await eventually(() => {
    try {
      const text = readFileSync(registryFile, 'utf8');
      return text.includes('"web-0"') && text.includes('"client-0"');
    } catch {
      return false;
    }
  }, 5000, 'registry.json holding both instances');
  const written = readFileSync(registryFile, 'utf8');
  await stop(first);
  assert.equal(readFileSync(registryFile, 'utf8'), written, 'the shutdown added nothing: what a crash leaves is complete');

  const second = await start();
  assert.equal(second.restoredInstances, 2);
  assert.deepEqual(second.warnings, []);
  // Only the client comes back (web-0's proxy has not yet): it still gets web-0 as an endpoint.
  const again = await subscribe(second, clientTls, clientRegistration);
  const resynced = await again.nextSnapshot(undefined, 10_000);
  assert.equal(resynced.version, original.version, 'the same world, the same version: nothing changes at the proxy');
  assert.ok(JSON.stringify(resynced).includes('127.0.0.10'), 'web-0 is still an endpoint');
  await stop(second);
});

test('a corrupt registry file: the control plane starts with an empty registry and says so', async () => {
  if (open.cp !== undefined) await stop(open.cp); // left open by a failed test (its close writes the file)
  writeFileSync(registryFile, '{"format":1,"instances":[{"namespace":"shop","na');
  const cp = await start();
  assert.equal(cp.restoredInstances, 0);
  assert.equal(cp.warnings.length, 1);
  assert.match(cp.warnings[0]!, /registry\.json is torn or corrupt .*; starting with an empty registry/);
  await stop(cp);
});
