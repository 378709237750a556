// PERMISSIVE mutual TLS through a real `weft proxy`: plaintext is accepted and marked unauthenticated
// (no identity header toward the app, and a policy that wants an authenticated principal denies it),
// while mTLS from a peer proxy on the same port carries the caller's identity.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createTestPki, type TestPki } from '../support/pki.js';
import { clientSnapshot, serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { run } from '../support/processes.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

describe('PERMISSIVE mode', () => {
  let pki: TestPki;
  let app: HttpServer;
  let server: ProxyProcess;
  let client: ProxyProcess;
  let sHttp: number;
  let cHttp: number;
  let snap: (version: string, policies: readonly { name: string; spec: Record<string, unknown> }[]) => Record<string, unknown>;

  before(async () => {
    pki = await createTestPki();
    const appPort = await freePort();
    [sHttp, cHttp] = [await freePort(), await freePort()];
    app = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ xfcc: req.headers['x-forwarded-client-cert'] ?? null })));
    });
    await new Promise<void>((r) => app.listen(appPort, '127.0.0.1', r));
    const backend = await pki.issue(spiffe('prod', 'backend'));
    const web = await pki.issue(spiffe('shop', 'web'));
    snap = (version, policies) => serverSnapshot({ version, ns: 'prod', sa: 'backend', mtlsMode: 'PERMISSIVE', policies, ports: [{ appPort, listenPort: sHttp, protocol: 'http' }] });
    server = await startWeftProxy({ dir: pki.dir, name: 'server', certPath: backend.certPath, keyPath: backend.keyPath, caPath: pki.caPath, snapshot: snap('p1', []) });
    client = await startWeftProxy({
      dir: pki.dir, name: 'client', certPath: web.certPath, keyPath: web.keyPath, caPath: pki.caPath,
      snapshot: clientSnapshot({ version: 'c1', ns: 'shop', sa: 'web', services: [
        { name: 'api', namespace: 'prod', port: 80, protocol: 'http', listenPort: cHttp, endpointPort: sHttp, identity: spiffe('prod', 'backend') }] }),
    });
  });

  after(async () => {
    await client?.stop();
    await server?.stop();
    app?.closeAllConnections();
    await new Promise((r) => app?.close(r));
    await pki?.cleanup();
  });

  const curl = (port: number, path: string) => run('curl', ['-sS', '--max-time', '10', '-w', '\n%{http_code}', `http://127.0.0.1:${port}${path}`]);

  test('plaintext is accepted and unauthenticated; mTLS on the same port carries the identity', async () => {
    const plain = await curl(sHttp, '/');
    assert.match(plain.stdout, /^\{"xfcc":null\}\n200$/);
    const meshed = await curl(cHttp, '/');
    assert.match(meshed.stdout, new RegExp(`"xfcc":"By=${spiffe('prod', 'backend')};URI=${spiffe('shop', 'web')}"`));
  });

  test('a policy that wants any authenticated principal denies plaintext and allows mTLS', async () => {
    const mark = server.logs.length;
    await server.writeSnapshot(snap('p2', [{ name: 'mesh-only', spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['*'] } }] }] } }]));
    await server.waitForLog('"version":"p2"', 5000, mark);
    assert.match((await curl(sHttp, '/')).stdout, /\n403$/);
    assert.match((await curl(cHttp, '/')).stdout, /\n200$/);
  });
});
