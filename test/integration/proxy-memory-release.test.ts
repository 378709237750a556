// The sidecar gives back the memory only start-up used: a few seconds after it is ready, `weft proxy`
// drops the pages of node and its libraries that start-up alone touched (and trims malloc). Measured
// from outside, in /proc/PID/status; then requests through both proxies (mTLS between them) must all
// succeed, so the dropped code and data fault back in correctly. With --keep-startup-pages nothing is
// released. Control mode (`--control-url`) releases too. Then the heap governor: launched with the
// sidecar's node options, the proxy collects its old space itself once the garbage there passes the
// slack (here made by reloading large snapshots); without `--expose-gc` it says why it is off.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer as createHttpServer, request, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { parseStatusMemory, type StatusMemory } from '../../src/proxy/memory/status-memory.js';
import { sidecarNodeOptions } from '../../src/proxy/sidecar-node-options.js';
import { startControl } from '../support/control-process.js';
import { createBootstrapToken } from '../support/mesh-clients.js';
import { clientSnapshot, serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { run } from '../support/processes.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

function statusOf(pid: number): StatusMemory {
  const m = parseStatusMemory(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m !== undefined, `/proc/${pid}/status has the RSS figures`);
  return m;
}

const released = 'released start-up memory';
const kept = 'start-up pages kept';

describe('releasing start-up memory in a running weft proxy', { skip: process.platform !== 'linux' ? 'Linux only (/proc, madvise)' : false }, () => {
  let pki: TestPki;
  let app: HttpServer;
  let appPort: number;
  const proxies: ProxyProcess[] = [];

  before(async () => {
    pki = await createTestPki();
    appPort = await freePort();
    app = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(`hello ${req.url ?? ''}`));
    });
    await new Promise<void>((r) => app.listen(appPort, '127.0.0.1', r));
  });

  after(async () => {
    for (const p of proxies) await p.stop();
    app?.closeAllConnections();
    await new Promise((r) => app?.close(r));
    await pki?.cleanup();
  });

  /** A server proxy (HTTP inbound port, STRICT mTLS) in front of the app, and a client proxy with an explicit listener for it. */
  async function startPair(name: string, extraArgs: readonly string[], nodeOptions: readonly string[] = []): Promise<{ server: ProxyProcess; client: ProxyProcess; clientPort: number; sHttp: number }> {
    const [sHttp, cHttp] = [await freePort(), await freePort()];
    const backend = await pki.issue(spiffe('prod', 'backend'));
    const web = await pki.issue(spiffe('shop', 'web'));
    const server = await startWeftProxy({
      dir: pki.dir, name: `${name}-server`, certPath: backend.certPath, keyPath: backend.keyPath, caPath: pki.caPath, extraArgs, nodeOptions,
      snapshot: serverSnapshot({ version: 's1', ns: 'prod', sa: 'backend', ports: [{ appPort, listenPort: sHttp, protocol: 'http' }] }),
    });
    proxies.push(server);
    const client = await startWeftProxy({
      dir: pki.dir, name: `${name}-client`, certPath: web.certPath, keyPath: web.keyPath, caPath: pki.caPath, extraArgs, nodeOptions,
      snapshot: clientSnapshotWith('c1', cHttp, sHttp, 0),
    });
    proxies.push(client);
    return { server, client, clientPort: cHttp, sHttp };
  }

  /** The client's snapshot: the `api` service on its listener, and `extra` more services reachable by capture only. */
  function clientSnapshotWith(version: string, listenPort: number, endpointPort: number, extra: number): Record<string, unknown> {
    const snapshot = clientSnapshot({ version, ns: 'shop', sa: 'web', services: [
      { name: 'api', namespace: 'prod', port: 80, protocol: 'http', listenPort, endpointPort, identity: spiffe('prod', 'backend') }] });
    const outbound = snapshot['outbound'] as { services: Record<string, unknown>[] };
    for (let i = 0; i < extra; i++) {
      outbound.services.push({
        name: `svc-${version}-${i}`, namespace: 'bulk', port: 8080, protocol: 'http', hosts: [`svc-${version}-${i}.bulk`],
        identities: [spiffe('bulk', `sa-${i}`)],
        endpoints: [0, 1].map((k) => ({ address: `10.${(i >> 8) & 255}.${i & 255}.${k + 1}`, port: 8080, identity: spiffe('bulk', `sa-${i}`), ready: true })),
      });
    }
    return snapshot;
  }

  /** `count` requests through the client proxy, 8 keep-alive connections; resolves to the bodies that were not the app's answer. */
  async function sendThrough(port: number, count: number): Promise<string[]> {
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const one = (i: number): Promise<string | undefined> => new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: `/r${i}`, agent, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(res.statusCode === 200 && body === `hello /r${i}` ? undefined : `${i}: ${res.statusCode ?? 0} ${body}`));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve(`${i}: ${e.message}`));
      req.end();
    });
    try {
      const results = await Promise.all(Array.from({ length: count }, (_, i) => one(i)));
      return results.filter((r): r is string => r !== undefined);
    } finally {
      agent.destroy();
    }
  }

  test('about 3 s after ready, RssFile drops by more than 10 MB and VmRSS with it; requests through both proxies still all succeed', async (t) => {
    const { server, client, clientPort } = await startPair('release', []);
    const before = { server: statusOf(server.pid), client: statusOf(client.pid) };
    const lines = { server: await server.waitForLog(released, 10_000), client: await client.waitForLog(released, 10_000) };
    for (const side of ['server', 'client'] as const) {
      const pid = side === 'server' ? server.pid : client.pid;
      const now = statusOf(pid);
      const b = before[side];
      assert.ok(now.rssFileKb <= b.rssFileKb - 10 * 1024, `${side}: RssFile ${b.rssFileKb} → ${now.rssFileKb} kB`);
      assert.ok(now.vmRssKb < b.vmRssKb, `${side}: VmRSS ${b.vmRssKb} → ${now.vmRssKb} kB`);
      t.diagnostic(`${side}: VmRSS ${b.vmRssKb} → ${now.vmRssKb} kB, RssFile ${b.rssFileKb} → ${now.rssFileKb} kB, RssAnon ${b.rssAnonKb} → ${now.rssAnonKb} kB`);
      const fields = JSON.parse(lines[side]) as Record<string, unknown>;
      assert.equal(fields['level'], 'info');
      for (const k of ['rssFileMbBefore', 'rssFileMbAfter', 'rssAnonMbBefore', 'rssAnonMbAfter']) assert.equal(typeof fields[k], 'number', k);
      assert.ok((fields['rssFileMbAfter'] as number) < (fields['rssFileMbBefore'] as number) - 10, lines[side]);
      assert.equal(fields['failed'], 0, lines[side]);
    }
    // The code and read-only data that were dropped fault back in: TLS, the HTTP engine, the logs.
    assert.deepEqual(await sendThrough(clientPort, 300), []);
    const loaded = statusOf(server.pid);
    t.diagnostic(`server after 300 requests: VmRSS ${loaded.vmRssKb} kB, RssFile ${loaded.rssFileKb} kB, RssAnon ${loaded.rssAnonKb} kB`);
    // Started without --expose-gc (not the sidecar launch options), the heap governor says it is off and why.
    assert.match(await server.waitForLog('heap governor off', 5000), /--expose-gc/);
    const curl = await run('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${clientPort}/curl`]);
    assert.equal(curl.stdout, 'hello /curl');
    assert.equal((await server.admin('/ready')).status, 200);
    // Released once, not again.
    assert.equal(server.logs.filter((l) => l.includes(released)).length, 1);
    assert.equal(server.proc.exitCode, null);
    assert.equal(client.proc.exitCode, null);
  });

  test('with --keep-startup-pages nothing is released and RssFile stays', async () => {
    const { server, clientPort } = await startPair('keep', ['--keep-startup-pages']);
    const before = statusOf(server.pid);
    // The debug line comes when the release would have run.
    await server.waitForLog(kept, 10_000);
    const now = statusOf(server.pid);
    assert.deepEqual(server.logs.filter((l) => l.includes(released)), []);
    assert.ok(now.rssFileKb >= before.rssFileKb - 1024, `RssFile ${before.rssFileKb} → ${now.rssFileKb} kB`);
    assert.deepEqual(await sendThrough(clientPort, 20), []);
  });

  test('joined to a control plane (control mode), the proxy releases its start-up memory too', async () => {
    const home = mkdtempSync(join(tmpdir(), 'weft-memtrim-home-'));
    const [apiPort, distPort, listenPort] = [await freePort(), await freePort(), await freePort()];
    const cp = await startControl(home, 15_000, ['--listen', `127.0.0.1:${apiPort}`, '--distributor-listen', `127.0.0.1:${distPort}`]);
    try {
      const apiUrl = `http://127.0.0.1:${apiPort}`;
      const web = await createBootstrapToken(apiUrl, home, 'shop', 'web');
      const proxy = await startWeftProxy({
        dir: pki.dir, name: 'joined',
        control: {
          controlUrl: apiUrl, token: web.token, distributor: `127.0.0.1:${distPort}`,
          registration: { namespace: 'shop', name: 'web-0', serviceAccount: 'web', labels: { app: 'web' }, addresses: ['127.0.0.1'],
            ports: [{ port: appPort, name: 'http', protocol: 'http', dialPort: listenPort }] },
        },
      });
      proxies.push(proxy);
      const before = statusOf(proxy.pid);
      const line = JSON.parse(await proxy.waitForLog(released, 10_000)) as Record<string, unknown>;
      const now = statusOf(proxy.pid);
      assert.ok(now.rssFileKb <= before.rssFileKb - 10 * 1024, `RssFile ${before.rssFileKb} → ${now.rssFileKb} kB`);
      assert.equal(line['failed'], 0);
      // Still joined and serving after the release: the admin server answers and the snapshot is in force.
      assert.equal((await proxy.admin('/ready')).status, 200);
      assert.equal(proxy.proc.exitCode, null);
    } finally {
      await cp.stop('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('with the sidecar node options, the heap governor collects the old space when its garbage passes the slack', async (t) => {
    const { client, clientPort, sHttp } = await startPair('governor', ['--heap-slack-mb', '1'], sidecarNodeOptions);
    await client.waitForLog(released, 10_000);
    assert.deepEqual(client.logs.filter((l) => l.includes('heap governor off')), []);
    // Each reload replaces ~2,000 services; the old ones, long-lived enough to sit in the old space,
    // become garbage there. Requests pass between the reloads.
    for (let v = 2; v <= 6 && !client.logs.some((l) => l.includes('heap collected')); v++) {
      await writeFile(client.snapshotPath, JSON.stringify(clientSnapshotWith(`c${v}`, clientPort, sHttp, 2000)));
      process.kill(client.pid, 'SIGHUP');
      await client.waitForLog(`"version":"c${v}"`, 10_000);
      assert.deepEqual(await sendThrough(clientPort, 50), []);
      await new Promise((r) => setTimeout(r, 1200));
    }
    const line = JSON.parse(await client.waitForLog('heap collected', 10_000)) as Record<string, unknown>;
    t.diagnostic(JSON.stringify(line));
    const before = line['oldSpaceMbBefore'] as number;
    const after = line['oldSpaceMbAfter'] as number;
    assert.equal(line['level'], 'debug');
    assert.ok(typeof before === 'number' && typeof after === 'number' && typeof line['ms'] === 'number', JSON.stringify(line));
    assert.ok(after < before - 1, `old space ${before} → ${after} MB`);
    assert.deepEqual(await sendThrough(clientPort, 100), []);
    assert.equal(client.proc.exitCode, null);
  });
});
