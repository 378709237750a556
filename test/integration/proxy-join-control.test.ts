// `weft proxy --control-url` against a real `weft control` process: the proxy gets its certificate
// with a bootstrap token and its snapshot over the distributor stream and ACKs it (GET /api/v1/proxies);
// a policy applied with `weft apply` reaches it and is enforced; the control plane killed and restarted
// (new process, same WEFT_HOME and ports) → the proxy keeps serving meanwhile and rejoins; SIGTERM says
// bye (the instance is deregistered at once) and the proxy exits 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { runWeftProcess, startControl, type ControlProcess } from '../support/control-process.js';
import { createBootstrapToken, issueWorkloadCert, mtlsGet, type MeshClientTls } from '../support/mesh-clients.js';
import { eventually } from '../support/processes.js';
import { allowPolicy, namespaceResource } from '../support/resource-fixtures.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

const WEB = 'spiffe://cluster.local/ns/shop/sa/web';
const CLIENT = 'spiffe://cluster.local/ns/shop/sa/client';

interface ProxyStatus {
  key: string;
  connected: boolean;
  ackedVersion?: string;
  latestVersion?: string;
  nack?: { version: string; reason: string };
  certificate?: { spiffeId: string; notAfter: number; fingerprint: string };
}

describe('weft proxy joined to a weft control process', () => {
  let home: string;
  let dir: string;
  let apiPort: number;
  let distPort: number;
  let apiUrl: string;
  let cp: ControlProcess | undefined;
  let app: Server;
  let appPort: number;
  let listenPort: number;
  let proxy: ProxyProcess;
  let client: MeshClientTls;

  const controlArgs = (): string[] => ['--listen', `127.0.0.1:${apiPort}`, '--distributor-listen', `127.0.0.1:${distPort}`];
  const statusOf = async (): Promise<ProxyStatus | undefined> => {
    const res = await fetch(`${apiUrl}/api/v1/proxies`);
    const body = (await res.json()) as { proxies: ProxyStatus[] };
    return body.proxies.find((p) => p.key === 'shop/web-0');
  };
  const versionInForce = async (): Promise<string> => (JSON.parse((await proxy.admin('/config')).body) as { version: string }).version;
  const weftApply = async (docs: readonly unknown[]): Promise<void> => {
    const file = join(dir, `apply-${Date.now()}.json`);
    writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n---\n'));
    const r = await runWeftProcess(['apply', '-f', file], { cwd: dir, env: { WEFT_HOME: home, WEFT_CONTROL: apiUrl } });
    assert.equal(r.code, 0, `weft apply: ${r.stdout}${r.stderr}`);
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'weft-join-home-'));
    dir = mkdtempSync(join(tmpdir(), 'weft-join-'));
    // Fixed ports (the restart below must come back on the same ones); a port taken meanwhile by
    // someone else: pick others.
    for (let attempt = 1; cp === undefined; attempt++) {
      apiPort = await freePort();
      distPort = await freePort();
      try {
        cp = await startControl(home, 15_000, controlArgs());
      } catch (e) {
        if (attempt >= 3 || !String(e).includes('EADDRINUSE')) throw e;
      }
    }
    apiUrl = `http://127.0.0.1:${apiPort}`;
    app = createServer((req, res) => res.end(`hello from web ${req.url ?? ''}`));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appPort = (app.address() as AddressInfo).port;
    listenPort = await freePort();
    const web = await createBootstrapToken(apiUrl, home, 'shop', 'web');
    const clientToken = await createBootstrapToken(apiUrl, home, 'shop', 'client');
    client = await issueWorkloadCert(apiUrl, clientToken.token, CLIENT);
    proxy = await startWeftProxy({
      dir,
      name: 'web',
      control: {
        controlUrl: apiUrl,
        token: web.token,
        distributor: `127.0.0.1:${distPort}`,
        stateDir: join(dir, 'state'),
        registration: {
          namespace: 'shop', name: 'web-0', serviceAccount: 'web', labels: { app: 'web' }, addresses: ['127.0.0.1'],
          // The application's port, reached by peers on the proxy's explicit inbound listener (loopback).
          ports: [{ port: appPort, name: 'http', protocol: 'http', dialPort: listenPort }],
        },
      },
    });
  });

  after(async () => {
    await proxy?.stop();
    await cp?.stop('SIGKILL');
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('the proxy has a certificate from the CA, its snapshot, and ACKed it (visible in GET /api/v1/proxies)', async () => {
    assert.equal((await proxy.admin('/ready')).status, 200);
    const version = await versionInForce();
    await eventually(async () => (await statusOf())?.ackedVersion === version, 5000, 'the ACK recorded by the control plane');
    const status = await statusOf();
    assert.equal(status?.connected, true);
    assert.equal(status?.latestVersion, version);
    assert.equal(status?.certificate?.spiffeId, WEB);
    assert.match(status?.certificate?.fingerprint ?? '', /^[0-9a-f]{64}$/);
    assert.ok((status?.certificate?.notAfter ?? 0) > Date.now());
    await proxy.waitForLog('"msg":"certificate issued"');
    const stats = JSON.parse((await proxy.admin('/stats')).body) as { control: { connected: boolean; reconnects: number; certificate: { spiffeId: string } } };
    assert.equal(stats.control.connected, true);
    assert.equal(stats.control.certificate.spiffeId, WEB);
    // The last applied snapshot is kept for restarts; no key material is written.
    const config = JSON.parse((await proxy.admin('/config')).body) as { control: { ackedVersion: string } };
    assert.equal(config.control.ackedVersion, version);
  });

  test('a peer with a mesh certificate reaches the application through the inbound listener', async () => {
    const r = await mtlsGet(listenPort, client, '/first');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello from web /first');
  });

  test('a policy applied with weft apply reaches the proxy (ACKed) and is enforced: the request is denied', async () => {
    const before = await versionInForce();
    const mark = proxy.logs.length;
    const t0 = Date.now();
    await weftApply([namespaceResource('shop'), allowPolicy('web-admin-only', 'shop', { app: 'web' }, ['spiffe://cluster.local/ns/shop/sa/admin'])]);
    await proxy.waitForLog('"msg":"control snapshot acked"', 5000, mark);
    const elapsed = Date.now() - t0;
    // The change travels as a patch on the version in force (applySnapshotPatch), validated like a snapshot.
    await proxy.waitForLog('"reason":"control plane patch"', 1000, mark);
    const after = await versionInForce();
    assert.notEqual(after, before);
    assert.equal((await mtlsGet(listenPort, client, '/denied')).status, 403);
    await eventually(async () => (await statusOf())?.ackedVersion === after, 5000, 'the new version ACKed');
    assert.ok(elapsed < 3000, `applied and ACKed in ${elapsed} ms`);
    // Allowing the client again restores access.
    await weftApply([allowPolicy('web-admin-only', 'shop', { app: 'web' }, ['spiffe://cluster.local/ns/shop/sa/admin', CLIENT])]);
    await eventually(async () => (await mtlsGet(listenPort, client)).status === 200, 5000, 'access restored');
  });

  test('the control plane killed (-9) and restarted: the proxy serves throughout, then rejoins and ACKs again', async () => {
    const version = await versionInForce();
    const mark = proxy.logs.length;
    await cp?.stop('SIGKILL');
    cp = undefined;
    await proxy.waitForLog('control stream lost', 5000, mark);
    // Meanwhile every request is served on the snapshot in force.
    for (let i = 0; i < 20; i++) assert.equal((await mtlsGet(listenPort, client, `/down${i}`)).status, 200);
    const stats = JSON.parse((await proxy.admin('/stats')).body) as { control: { connected: boolean; lastError?: string } };
    assert.equal(stats.control.connected, false);
    assert.ok(stats.control.lastError !== undefined);
    assert.equal((await proxy.admin('/ready')).status, 200, 'still ready: it has a certificate and a snapshot');
    await proxy.waitForLog('control stream reconnecting', 5000, mark);

    cp = await startControl(home, 15_000, controlArgs());
    const t0 = Date.now();
    await proxy.waitForLog('control stream connected', 10_000, mark);
    await eventually(async () => {
      const s = await statusOf();
      return s?.connected === true && s.ackedVersion === version;
    }, 10_000, 'the proxy ACKed the restarted control plane');
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal((await mtlsGet(listenPort, client, '/after')).status, 200);
    assert.equal(await versionInForce(), version, 'same resources, same snapshot version');
  });

  test('SIGTERM: the proxy says bye (the control plane drops the instance at once) and exits 0', async () => {
    assert.equal((await fetch(`${apiUrl}/api/v1/proxies/shop/web-0/config`)).status, 200);
    const code = await proxy.stop();
    assert.equal(code, 0);
    assert.ok(proxy.logs.some((l) => l.includes('bye sent')));
    // Deregistered on bye (a lost stream would keep the instance until its lease lapses).
    await eventually(async () => (await fetch(`${apiUrl}/api/v1/proxies/shop/web-0/config`)).status === 404, 3000, 'the instance deregistered');
    assert.equal((await statusOf())?.connected, false);
  });
});
