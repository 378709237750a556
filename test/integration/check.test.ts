// weft check and weft proxy-config over the API, with the distributor started as the control plane
// starts it (serving certificate from the mesh CA) and a real proxy stream over mTLS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { createResourceValidator } from '../../src/api/validate.js';
import { allCommands } from '../../src/cli/commands.js';
import { runCli } from '../../src/cli/run-cli.js';
import { createManualClock } from '../../src/core/clock.js';
import { createSystemClock } from '../../src/core/system-clock.js';
import { createApiServer, type ApiServer } from '../../src/control/api/api-server.js';
import { startDistribution, type RunningDistribution } from '../../src/control/distributor/start-distribution.js';
import { createMemoryStore } from '../../src/control/store/create-memory-store.js';
import type { ResourceStore } from '../../src/control/store/resource-store.js';
import { connectTestProxy, type TestProxyClient } from '../support/distributor-client.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { allowPolicy, service } from '../support/resource-fixtures.js';

let pki: TestPki;
let store: ResourceStore;
let distribution: RunningDistribution;
let api: ApiServer;
let apiUrl: string;
let proxyUrl: string;
let web: TestProxyClient;

async function weft(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await runCli(allCommands(), { argv, env: { WEFT_CONTROL: apiUrl }, cwd: process.cwd(), stdout: out, stderr: err, stdin: Readable.from([]) });
  await new Promise<void>((resolve) => setImmediate(resolve));
  return { code, stdout, stderr };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

before(async () => {
  pki = await createTestPki();
  const validator = createResourceValidator();
  store = createMemoryStore({ validator, clock: createManualClock() });
  await store.apply(service('web', 'shop', { app: 'web' }, 8080));
  const started = await startDistribution({ store, signer: pki.signer, trustBundlePem: pki.caPem, host: '127.0.0.1', port: 0, clock: createSystemClock(), debounceMs: 20 });
  if (!started.ok) assert.fail(started.error.message);
  distribution = started.value;
  proxyUrl = `https://127.0.0.1:${distribution.address.port}`;
  api = createApiServer({ store, validator, adminToken: 't', routes: [distribution.routes] });
  apiUrl = `http://127.0.0.1:${(await api.listen('127.0.0.1', 0)).port}`;
});

after(async () => {
  web?.close();
  await distribution.close();
  await api.close();
  await pki.cleanup();
});

test('with no proxy, weft check passes', async () => {
  const r = await weft('check');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ok {4}control plane at http:\/\/127\.0\.0\.1:\d+ \(store version 1\)\n0 proxies, 0 failing\n$/);
});

test('a proxy that has not acknowledged fails the check with the reason; its ACK makes it pass', async () => {
  const issued = await pki.issue('spiffe://cluster.local/ns/shop/sa/web');
  web = await connectTestProxy(proxyUrl, { certPem: issued.certPem, keyPem: issued.keyPem, caPem: pki.caPem }, { namespace: 'shop', name: 'web-0', serviceAccount: 'web', labels: { app: 'web' }, addresses: ['127.0.0.10'], ports: [{ port: 8080 }] });
  const first = await web.nextSnapshot();
  const pending = await weft('check');
  assert.equal(pending.code, 1);
  assert.match(pending.stdout, new RegExp(`FAIL  proxy shop/web-0 \\(spiffe://cluster.local/ns/shop/sa/web\\): on version none, latest is ${first.version}`));
  web.send({ type: 'ack', version: first.version });
  await until(async () => (await weft('check')).stdout.includes('no certificate reported'));
  const noCertificate = await weft('check');
  assert.equal(noCertificate.code, 1);
  assert.match(noCertificate.stdout, /FAIL {2}proxy shop\/web-0 \(spiffe:\/\/cluster.local\/ns\/shop\/sa\/web\): no certificate reported\n/);
  web.send({ type: 'certificate', spiffeId: 'spiffe://cluster.local/ns/shop/sa/web', notAfter: Date.now() + 3_600_000, fingerprint: 'aa' });
  await until(async () => (await weft('check')).code === 0);
  assert.match((await weft('check')).stdout, /ok {4}proxy shop\/web-0 .* on version [0-9a-f]+, certificate valid for (59m \d+s|1h)\n/);
  const config = await weft('proxy-config', 'shop/web-0');
  assert.equal(config.code, 0, config.stderr);
  assert.equal((JSON.parse(config.stdout) as { version: string }).version, first.version);
  assert.equal((await weft('proxy-config', 'nope', '-n', 'shop')).code, 1);
});

test('a new policy not yet acknowledged, then refused, shows in the check; a lost proxy shows as not connected', async () => {
  await store.apply(allowPolicy('web-allow', 'shop', { app: 'web' }, ['spiffe://cluster.local/ns/shop/sa/client']));
  const next = await web.nextSnapshot((s) => s.inbound.policies.length === 1);
  web.send({ type: 'nack', version: next.version, reason: 'cannot compile policy' });
  await until(async () => (await weft('check')).stdout.includes('refused version'));
  const refused = await weft('check');
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, new RegExp(`refused version ${next.version}: cannot compile policy; on version [0-9a-f]+, latest is ${next.version}`));
  web.send({ type: 'ack', version: next.version });
  await until(async () => (await weft('check')).code === 0);
});

test('certificates: expiring under the minimum or expired fail with the time left; --min-cert-validity sets the minimum', async () => {
  // The control plane here does not say its certificate lifetime: the default minimum is 10 minutes.
  web.send({ type: 'certificate', spiffeId: 'spiffe://cluster.local/ns/shop/sa/web', notAfter: Date.now() + 5 * 60_000, fingerprint: 'bb' });
  await until(async () => (await weft('check')).code === 1);
  const soon = await weft('check');
  assert.match(soon.stdout, /FAIL {2}proxy shop\/web-0 \(spiffe:\/\/cluster.local\/ns\/shop\/sa\/web\): certificate expires in (4m \d+s|5m) \(.*\), under the minimum 10m\n/);
  assert.equal((await weft('check', '--min-cert-validity', '2m')).code, 0);
  assert.equal((await weft('check', '--min-cert-validity', 'soon')).code, 2);
  web.send({ type: 'certificate', spiffeId: 'spiffe://cluster.local/ns/shop/sa/web', notAfter: Date.now() - 61_000, fingerprint: 'cc' });
  await until(async () => (await weft('check', '--min-cert-validity', '2m')).stdout.includes('expired'));
  const expired = await weft('check', '--min-cert-validity', '2m');
  assert.equal(expired.code, 1);
  assert.match(expired.stdout, /: certificate expired 1m( \d+s)? ago \(/);
});

test('a lost proxy shows as not connected, with what it last reported of its certificate', async () => {
  web.close();
  await until(async () => (await weft('check')).stdout.includes('not connected'));
  const lost = await weft('check');
  assert.equal(lost.code, 1);
  // The previous test left it reporting a certificate that expired over a minute ago.
  assert.match(lost.stdout, /FAIL {2}proxy shop\/web-0 \(.*\): not connected to the control plane \(its last reported certificate expired 1m( \d+s)? ago \(\d{4}-\d\d-\d\dT.*Z\)\)/);
});
