// The trust bundle of a running `weft proxy` follows its CA file (the one TLS material path: files →
// watchIdentityFiles → createTlsCredentials): during a root rotation the bundle holds two roots and
// peers with certificates from either are accepted on new connections; before, the new root's are
// refused. (In control mode the same credentials take the CA answer's trustBundlePem at each renewal.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTestPki, type TestPki } from '../support/pki.js';
import { mtlsGet } from '../support/mesh-clients.js';
import { serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

let pki: TestPki;
let app: Server;
let proxy: ProxyProcess;
let listenPort: number;
let caFile: string;

before(async () => {
  pki = await createTestPki();
  app = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as AddressInfo).port;
  listenPort = await freePort();
  const web = await pki.issue(spiffe('shop', 'web'));
  // The proxy's own copy of the bundle, replaced during the test.
  caFile = await pki.writeFile('bundle.pem', pki.caPem);
  proxy = await startWeftProxy({
    dir: pki.dir, name: 'web', certPath: web.certPath, keyPath: web.keyPath, caPath: caFile,
    snapshot: serverSnapshot({ version: 'v1', ns: 'shop', sa: 'web', ports: [{ appPort, listenPort, protocol: 'http' }] }),
  });
});

after(async () => {
  await proxy?.stop();
  await new Promise<void>((resolve) => app.close(() => resolve()));
  await pki.cleanup();
});

test('a peer of a new root is refused until the bundle holds both roots, then both roots are accepted', async () => {
  const both = `${pki.caPem}${pki.rogueCaPem}`;
  const oldRootPeer = await pki.issue(spiffe('shop', 'client'));
  const newRootPeer = await pki.rogue(spiffe('shop', 'client'));
  const asOld = { certPem: oldRootPeer.certPem, keyPem: oldRootPeer.keyPem, caPem: both };
  const asNew = { certPem: newRootPeer.certPem, keyPem: newRootPeer.keyPem, caPem: both };
  assert.equal((await mtlsGet(listenPort, asOld)).status, 200);
  await assert.rejects(mtlsGet(listenPort, asNew), 'a certificate of an untrusted root is refused');

  const mark = proxy.logs.length;
  const tmp = join(pki.dir, 'bundle.pem.tmp');
  await writeFile(tmp, both);
  await rename(tmp, caFile);
  await proxy.waitForLog('certificate rotated', 8000, mark);
  assert.equal((await mtlsGet(listenPort, asNew)).status, 200, 'the new root is trusted now');
  assert.equal((await mtlsGet(listenPort, asOld)).status, 200, 'and the old one still is');
});
