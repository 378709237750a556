// The distributor server writes each message in slices (here 100 bytes, so every message is cut in
// many): over a real HTTP/2 mTLS stream the proxy still gets whole lines, in order, the patches
// apply, and an error sent after a snapshot arrives after it, then the stream ends.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createResourceValidator } from '../../src/api/validate.js';
import { createManualClock } from '../../src/core/clock.js';
import { createDistributor, type Distributor } from '../../src/control/distributor/distributor.js';
import { createDistributorServer, type DistributorServer } from '../../src/control/distributor/distributor-server.js';
import { createRegistry } from '../../src/control/registry/registry.js';
import { createMemoryStore } from '../../src/control/store/create-memory-store.js';
import type { ResourceStore } from '../../src/control/store/resource-store.js';
import { connectTestProxy, type TestProxyClient } from '../support/distributor-client.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { allowPolicy, service } from '../support/resource-fixtures.js';

let pki: TestPki;
let store: ResourceStore;
let distributor: Distributor;
let server: DistributorServer;
let url: string;
const clients: TestProxyClient[] = [];

before(async () => {
  pki = await createTestPki();
  store = createMemoryStore({ validator: createResourceValidator(), clock: createManualClock() });
  for (let i = 0; i < 20; i++) await store.apply(service(`svc-${i}`, 'shop', { app: `svc-${i}` }, 8080));
  distributor = createDistributor({ store, registry: createRegistry({ clock: createManualClock() }), debounceMs: 10 });
  assert.ok((await distributor.start()).ok);
  const serving = await pki.issue('spiffe://cluster.local/ns/weft-system/sa/weft-control');
  server = createDistributorServer({ distributor, certPem: serving.certPem, keyPem: serving.keyPem, caPem: pki.caPem, writeSliceBytes: 100 });
  url = `https://127.0.0.1:${(await server.listen('127.0.0.1', 0)).port}`;
});

after(async () => {
  for (const c of clients) c.close();
  distributor.close();
  await server.close();
  await pki.cleanup();
});

async function connect(name: string): Promise<TestProxyClient> {
  const issued = await pki.issue(`spiffe://cluster.local/ns/shop/sa/${name}`);
  const c = await connectTestProxy(url, { certPem: issued.certPem, keyPem: issued.keyPem, caPem: pki.caPem }, { namespace: 'shop', name: `${name}-0`, serviceAccount: name, labels: { app: name }, addresses: ['127.0.0.30'], ports: [{ port: 8080 }] });
  clients.push(c);
  return c;
}

test('sliced messages arrive whole and in order; patches apply', async () => {
  const web = await connect('svc-1');
  const first = await web.nextSnapshot((s) => s.outbound.services.find((o) => o.name === 'svc-1')?.endpoints.length === 1);
  assert.ok(JSON.stringify(first).length > 20 * 100, 'the snapshot spans many slices');
  assert.equal(first.outbound.services.length, 20);
  for (let i = 0; i < 3; i++) {
    await store.apply(allowPolicy('p', 'shop', { app: 'svc-1' }, [`spiffe://cluster.local/ns/shop/sa/c${i}`]));
    await web.nextSnapshot((s) => s.inbound.policies[0]?.spec.rules?.[0]?.from?.[0]?.source.principals?.[0] === `spiffe://cluster.local/ns/shop/sa/c${i}`);
  }
  assert.ok(web.patches.length >= 1, 'changes travelled as patches');
  assert.deepEqual(web.snapshots.at(-1), distributor.snapshotOf('shop/svc-1-0'));
});

test('an error written after a snapshot arrives after it, then the stream ends', async () => {
  const first = await connect('svc-2');
  await first.nextSnapshot();
  const again = await connect('svc-2'); // supersedes the first stream: it gets an error and ends
  await again.nextSnapshot();
  await first.ended;
  assert.equal(first.errors.at(-1)?.code, 'WEFT_CONTROL_SUPERSEDED');
  assert.ok(first.snapshots.length >= 1);
});
