// `weft proxy --no-watch` reloads its snapshot on SIGHUP only: a changed file is not picked up until the
// signal, and then the new version is in force (`/config`), without a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createTestPki, type TestPki } from '../support/pki.js';
import { serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

let pki: TestPki;
let proxy: ProxyProcess;
let snapshotOf: (version: string) => Record<string, unknown>;

before(async () => {
  pki = await createTestPki();
  const server = await pki.issue(spiffe('prod', 'backend'));
  const listenPort = await freePort();
  snapshotOf = (version) => serverSnapshot({ version, ns: 'prod', sa: 'backend', ports: [{ appPort: 6379, listenPort, protocol: 'tcp' }] });
  proxy = await startWeftProxy({
    dir: pki.dir, name: 'server', certPath: server.certPath, keyPath: server.keyPath, caPath: pki.caPath,
    snapshot: snapshotOf('v1'), extraArgs: ['--no-watch'],
  });
});

after(async () => {
  await proxy?.stop();
  await pki?.cleanup();
});

const version = async (): Promise<string> => {
  const config = (await fetch(`http://127.0.0.1:${proxy.adminPort}/config`).then((r) => r.json())) as { version?: string; snapshot?: { version?: string } };
  return config.version ?? config.snapshot?.version ?? '';
};

test('a changed snapshot is applied on SIGHUP, not before', async () => {
  assert.equal(await version(), 'v1');
  await writeFile(proxy.snapshotPath, JSON.stringify(snapshotOf('v2')));
  // No watch: well past the watch debounce, the old version is still in force.
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(await version(), 'v1');
  process.kill(proxy.pid, 'SIGHUP');
  for (const deadline = Date.now() + 5000; Date.now() < deadline && (await version()) !== 'v2'; ) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await version(), 'v2');
});
