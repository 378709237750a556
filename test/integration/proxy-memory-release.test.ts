// The sidecar gives back the memory only start-up used: a few seconds after it is ready, `weft proxy`
// drops the pages of node and its libraries that start-up alone touched (and trims malloc). Measured
// from outside, in /proc/PID/status; then requests through both proxies (mTLS between them) must all
// succeed, so the dropped code and data fault back in correctly. With --keep-startup-pages nothing is
// released. Control mode (`--control-url`) releases too.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer as createHttpServer, request, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseStatusMemory, type StatusMemory } from '../../src/proxy/memory/status-memory.js';
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
  async function startPair(name: string, extraArgs: readonly string[]): Promise<{ server: ProxyProcess; client: ProxyProcess; clientPort: number }> {
    const [sHttp, cHttp] = [await freePort(), await freePort()];
    const backend = await pki.issue(spiffe('prod', 'backend'));
    const web = await pki.issue(spiffe('shop', 'web'));
    const server = await startWeftProxy({
      dir: pki.dir, name: `${name}-server`, certPath: backend.certPath, keyPath: backend.keyPath, caPath: pki.caPath, extraArgs,
      snapshot: serverSnapshot({ version: 's1', ns: 'prod', sa: 'backend', ports: [{ appPort, listenPort: sHttp, protocol: 'http' }] }),
    });
    proxies.push(server);
    const client = await startWeftProxy({
      dir: pki.dir, name: `${name}-client`, certPath: web.certPath, keyPath: web.keyPath, caPath: pki.caPath, extraArgs,
      snapshot: clientSnapshot({ version: 'c1', ns: 'shop', sa: 'web', services: [
        { name: 'api', namespace: 'prod', port: 80, protocol: 'http', listenPort: cHttp, endpointPort: sHttp, identity: spiffe('prod', 'backend') }] }),
    });
    proxies.push(client);
    return { server, client, clientPort: cHttp };
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
});
