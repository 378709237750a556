// Bodies stream: a 1 GiB upload passes through two real `weft proxy` processes (HTTP/1.1, mTLS between
// them) to a local app, and neither proxy's memory grows with the body (RSS sampled from /proc).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createTestPki, type TestPki } from '../support/pki.js';
import { clientSnapshot, serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

const GIB = 1024 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 0x61);

let pki: TestPki;
let app: Server;
let client: ProxyProcess;
let server: ProxyProcess;
let clientListen: number;
let received = 0;

before(async () => {
  pki = await createTestPki();
  const web = await pki.issue(spiffe('shop', 'web'));
  const backend = await pki.issue(spiffe('prod', 'backend'));
  app = createServer((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      received = n;
      res.end(String(n));
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as { port: number }).port;
  const serverListen = await freePort();
  clientListen = await freePort();
  server = await startWeftProxy({
    dir: pki.dir, name: 'server', certPath: backend.certPath, keyPath: backend.keyPath, caPath: pki.caPath,
    snapshot: serverSnapshot({ version: 's1', ns: 'prod', sa: 'backend', ports: [{ appPort, listenPort: serverListen, protocol: 'http' }] }),
  });
  client = await startWeftProxy({
    dir: pki.dir, name: 'client', certPath: web.certPath, keyPath: web.keyPath, caPath: pki.caPath,
    snapshot: clientSnapshot({ version: 'c1', ns: 'shop', sa: 'web', services: [
      { name: 'backend', namespace: 'prod', port: 80, protocol: 'http', listenPort: clientListen, endpointPort: serverListen, identity: spiffe('prod', 'backend') },
    ] }),
  });
});

after(async () => {
  await client?.stop();
  await server?.stop();
  app?.close();
  await pki?.cleanup();
});

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

test('a 1 GiB upload passes through both proxies with flat memory', async (t) => {
  const pids = [client.pid, server.pid];
  const start = pids.map(rssMb);
  const peak = [...start];
  const sampler = setInterval(() => pids.forEach((p, i) => (peak[i] = Math.max(peak[i]!, rssMb(p)))), 100);
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: clientListen, method: 'POST', path: '/upload', headers: { host: 'backend.prod', 'content-length': GIB } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.setTimeout(120_000, () => req.destroy(new Error('upload timed out')));
      let sent = 0;
      const pump = (): void => {
        while (sent < GIB) {
          sent += CHUNK.length;
          if (!req.write(CHUNK)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    assert.equal(answer, String(GIB));
    assert.equal(received, GIB);
  } finally {
    clearInterval(sampler);
  }
  for (let i = 0; i < pids.length; i++) {
    const growth = peak[i]! - start[i]!;
    t.diagnostic(`${i === 0 ? 'client' : 'server'} proxy RSS ${start[i]!.toFixed(1)} -> peak ${peak[i]!.toFixed(1)} MB`);
    // Buffered, the body would add 1,024 MB; streamed, growth is buffers in flight plus garbage not yet
    // collected (~38 MB on a quiet machine, 67 MB seen once on a machine loaded by parallel work).
    assert.ok(growth < 128, `${i === 0 ? 'client' : 'server'} proxy RSS grew by ${growth.toFixed(1)} MB for a 1,024 MB body`);
  }
});
