// The distributor PINGs every connection: a live proxy stays connected, a peer that stopped
// answering (vanished without a FIN) is cut off, so it stops counting as connected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { createResourceValidator } from '../../src/api/validate.js';
import { createManualClock } from '../../src/core/clock.js';
import { createDistributor } from '../../src/control/distributor/distributor.js';
import { createDistributorServer } from '../../src/control/distributor/distributor-server.js';
import { createRegistry } from '../../src/control/registry/registry.js';
import { createMemoryStore } from '../../src/control/store/create-memory-store.js';
import { connectTestProxy } from '../support/distributor-client.js';
import { createTestPki } from '../support/pki.js';

test('PING keeps live proxies and cuts silent peers', { timeout: 20_000 }, async () => {
  const pki = await createTestPki();
  const clock = createManualClock();
  const distributor = createDistributor({ store: createMemoryStore({ validator: createResourceValidator(), clock }), registry: createRegistry({ clock }), debounceMs: 10 });
  assert.ok((await distributor.start()).ok);
  const serving = await pki.issue('spiffe://cluster.local/ns/weft-system/sa/weft-control');
  const server = createDistributorServer({ distributor, certPem: serving.certPem, keyPem: serving.keyPem, caPem: pki.caPem, pingIntervalMs: 50 });
  const { port } = await server.listen('127.0.0.1', 0);
  const issued = await pki.issue('spiffe://cluster.local/ns/shop/sa/web');
  try {
    const live = await connectTestProxy(`https://127.0.0.1:${port}`, { certPem: issued.certPem, keyPem: issued.keyPem, caPem: pki.caPem }, { namespace: 'shop', name: 'web-0', serviceAccount: 'web', labels: {}, addresses: ['127.0.0.1'] });
    await live.nextSnapshot();
    // A peer that speaks the HTTP/2 preface and then goes silent (never answers a PING).
    const silent = tlsConnect({ host: '127.0.0.1', port, ca: pki.caPem, cert: issued.certPem, key: issued.keyPem, ALPNProtocols: ['h2'], checkServerIdentity: () => undefined });
    await new Promise<void>((resolve, reject) => { silent.once('secureConnect', resolve); silent.once('error', reject); });
    silent.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    silent.on('error', () => undefined);
    silent.on('data', () => undefined);
    const started = performance.now();
    await new Promise<void>((resolve) => silent.once('close', () => resolve()));
    assert.ok(performance.now() - started < 5000);
    // The live proxy answered every PING meanwhile and is still connected.
    assert.equal(distributor.status().find((s) => s.key === 'shop/web-0')?.connected, true);
    live.close();
  } finally {
    distributor.close();
    await server.close();
    await pki.cleanup();
  }
});
