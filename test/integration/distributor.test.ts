// Issue 3, distributor: one HTTP/2 stream over mTLS per proxy; full snapshot, then changes
// (debounced); ACK/NACK per proxy version; identity bound to the certificate.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createResourceValidator } from '../../src/api/validate.js';
import { createManualClock } from '../../src/core/clock.js';
import { createDistributor, type Distributor } from '../../src/control/distributor/distributor.js';
import { createDistributorServer, type DistributorServer } from '../../src/control/distributor/distributor-server.js';
import { createRegistry } from '../../src/control/registry/registry.js';
import { createMemoryStore } from '../../src/control/store/create-memory-store.js';
import type { ResourceStore } from '../../src/control/store/resource-store.js';
import { connectTestProxy, type ClientTls, type TestProxyClient } from '../support/distributor-client.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { allowPolicy, service } from '../support/resource-fixtures.js';

let pki: TestPki;
let store: ResourceStore;
let distributor: Distributor;
let server: DistributorServer;
let url: string;
const clients: TestProxyClient[] = [];

async function tlsFor(spiffeId: string): Promise<ClientTls> {
  const issued = await pki.issue(spiffeId);
  return { certPem: issued.certPem, keyPem: issued.keyPem, caPem: pki.caPem };
}

function registration(name: string, sa: string, labels: Record<string, string>, address: string): Record<string, unknown> {
  return { namespace: 'shop', name, serviceAccount: sa, labels, addresses: [address], ports: [{ port: 8080, name: 'http', protocol: 'http' }] };
}

async function connectAs(spiffeId: string, reg: Record<string, unknown>): Promise<TestProxyClient> {
  const c = await connectTestProxy(url, await tlsFor(spiffeId), reg);
  clients.push(c);
  return c;
}

before(async () => {
  pki = await createTestPki();
  const validator = createResourceValidator();
  store = createMemoryStore({ validator, clock: createManualClock() });
  await store.apply(service('web', 'shop', { app: 'web' }, 8080));
  distributor = createDistributor({ store, registry: createRegistry({ clock: createManualClock() }), debounceMs: 50 });
  const started = await distributor.start();
  assert.ok(started.ok);
  const serving = await pki.issue('spiffe://cluster.local/ns/weft-system/sa/weft-control');
  server = createDistributorServer({ distributor, certPem: serving.certPem, keyPem: serving.keyPem, caPem: pki.caPem });
  const address = await server.listen('127.0.0.1', 0);
  url = `https://127.0.0.1:${address.port}`;
});

after(async () => {
  for (const c of clients) c.close();
  distributor.close();
  await server.close();
  await pki.cleanup();
});

let web: TestProxyClient;
let caller: TestProxyClient;

test('each proxy gets its full snapshot after hello, and its ACK is recorded', async () => {
  web = await connectAs('spiffe://cluster.local/ns/shop/sa/web', registration('web-0', 'web', { app: 'web' }, '127.0.0.10'));
  caller = await connectAs('spiffe://cluster.local/ns/shop/sa/client', registration('client-0', 'client', { app: 'client' }, '127.0.0.20'));
  const first = await web.nextSnapshot();
  assert.equal(first.workload.spiffeId, 'spiffe://cluster.local/ns/shop/sa/web');
  assert.deepEqual(first.inbound.ports, [{ port: 8080, protocol: 'http' }]);
  const callerFirst = await caller.nextSnapshot((s) => s.outbound.services.some((o) => o.name === 'web' && o.endpoints.length === 1));
  assert.deepEqual(callerFirst.outbound.services.find((o) => o.name === 'web')?.endpoints.map((e) => `${e.address}:${e.port} ${e.identity}`), ['127.0.0.10:8080 spiffe://cluster.local/ns/shop/sa/web']);
  web.send({ type: 'ack', version: web.snapshots.at(-1)!.version });
  caller.send({ type: 'ack', version: caller.snapshots.at(-1)!.version });
  await waitFor(() => distributor.status().every((s) => s.ackedVersion !== undefined && s.ackedVersion === s.latestVersion));
  assert.deepEqual(distributor.status().map((s) => [s.key, s.connected]), [['shop/client-0', true], ['shop/web-0', true]]);
});

test('an applied AuthorizationPolicy reaches the selected proxy within a second, and only that proxy', async () => {
  const callerCount = caller.snapshots.length;
  const started = performance.now();
  const applied = await store.apply(allowPolicy('web-allow', 'shop', { app: 'web' }, ['spiffe://cluster.local/ns/shop/sa/client']));
  assert.ok(applied.ok);
  const withPolicy = await web.nextSnapshot((s) => s.inbound.policies.some((p) => p.name === 'web-allow'), 1000);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  web.send({ type: 'ack', version: withPolicy.version });
  distributor.flush();
  await waitFor(() => distributor.status().find((s) => s.key === 'shop/web-0')?.ackedVersion === withPolicy.version);
  assert.equal(caller.snapshots.length, callerCount, 'the caller got a snapshot although nothing it needs changed');
});

test('a NACK keeps the proxy on its old version and is visible in the status', async () => {
  const acked = distributor.status().find((s) => s.key === 'shop/web-0')!.ackedVersion;
  await store.apply(allowPolicy('web-allow', 'shop', { app: 'web' }, ['spiffe://cluster.local/ns/shop/sa/admin']));
  const next = await web.nextSnapshot((s) => s.version !== acked);
  web.send({ type: 'nack', version: next.version, reason: 'policy compile failed: test' });
  await waitFor(() => distributor.status().find((s) => s.key === 'shop/web-0')?.nack !== undefined);
  const status = distributor.status().find((s) => s.key === 'shop/web-0')!;
  assert.deepEqual(status.nack, { version: next.version, reason: 'policy compile failed: test' });
  assert.equal(status.ackedVersion, acked);
  assert.equal(status.latestVersion, next.version);
  web.send({ type: 'ack', version: next.version });
  await waitFor(() => distributor.status().find((s) => s.key === 'shop/web-0')?.nack === undefined);
});

test('30 changes in a burst are debounced into a few pushes (at most 5 even on a loaded machine), the last one complete', async () => {
  const before = web.snapshots.length;
  for (let i = 0; i < 30; i++) await store.apply(allowPolicy('web-allow', 'shop', { app: 'web' }, [`spiffe://cluster.local/ns/shop/sa/burst-${i}`]));
  const last = await web.nextSnapshot((s) => s.inbound.policies.some((p) => p.spec.rules?.[0]?.from?.[0]?.source.principals?.[0]?.endsWith('burst-29') === true));
  assert.ok(web.snapshots.length - before <= 5, `${web.snapshots.length - before} pushes for one burst`);
  web.send({ type: 'ack', version: last.version });
});

test('an endpoint that reports not ready drops out of its callers\' snapshots', async () => {
  const patches = caller.patches.length;
  web.send({ type: 'ready', ready: false });
  await caller.nextSnapshot((s) => s.outbound.services.find((o) => o.name === 'web')?.endpoints.length === 0);
  // The change travelled as a patch carrying only the web service, not as a full snapshot.
  assert.deepEqual(caller.patches.slice(patches).map((p) => p.upsert?.map((o) => o.name)), [['web']]);
  web.send({ type: 'ready', ready: true });
  await caller.nextSnapshot((s) => s.outbound.services.find((o) => o.name === 'web')?.endpoints.length === 1);
});

test('a certificate for another identity cannot subscribe as a workload, nor disturb the real one', async () => {
  const impostor = await connectAs('spiffe://cluster.local/ns/shop/sa/client', registration('web-0', 'web', { app: 'web' }, '127.0.0.99'));
  await impostor.ended;
  assert.equal(impostor.errors[0]?.code, 'WEFT_CONTROL_IDENTITY_MISMATCH');
  assert.equal(impostor.snapshots.length, 0);
  assert.equal(distributor.status().find((s) => s.key === 'shop/web-0')?.connected, true);
  distributor.flush();
  assert.deepEqual(distributor.snapshotOf('shop/client-0')?.outbound.services.find((o) => o.name === 'web')?.endpoints.map((e) => e.address), ['127.0.0.10']);
  const otherNamespace = await connectAs('spiffe://cluster.local/ns/other/sa/web', registration('web-5', 'web', { app: 'web' }, '127.0.0.98'));
  await otherNamespace.ended;
  assert.equal(otherNamespace.errors[0]?.code, 'WEFT_CONTROL_IDENTITY_MISMATCH');
  assert.ok(!distributor.status().some((s) => s.key === 'shop/web-5'));
});

test('a client without a certificate is refused in the handshake', async () => {
  await assert.rejects(connectTestProxy(url, { caPem: pki.caPem }, registration('x', 'x', {}, '127.0.0.1')));
});

test('a reconnecting proxy replaces its old stream and gets its snapshot again', async () => {
  const again = await connectAs('spiffe://cluster.local/ns/shop/sa/web', registration('web-0', 'web', { app: 'web' }, '127.0.0.10'));
  await again.nextSnapshot();
  await web.ended;
  assert.equal(web.errors.at(-1)?.code, 'WEFT_CONTROL_SUPERSEDED');
  assert.equal(distributor.status().find((s) => s.key === 'shop/web-0')?.connected, true);
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
