// HTTP/1.1 through two real `weft proxy` processes (pooled keep-alive connections as streams of one
// weft-mux mTLS connection between them): curl, a kept-alive connection judged by a new policy after a reload, WebSocket with `ws`,
// protocol detection with a server-first application (no hang: opaque TCP), malformed and oversized
// requests answered without harm to the proxy.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request, Agent, type Server as HttpServer } from 'node:http';
import { connect, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { createTestPki, type TestPki } from '../support/pki.js';
import { clientSnapshot, serverSnapshot, spiffe, type Policy } from '../support/mesh-snapshots.js';
import { eventually, run } from '../support/processes.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

function get(agent: Agent, port: number, path: string): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => void (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP/1.1, WebSocket and detection through two proxies', () => {
  let pki: TestPki;
  let client: ProxyProcess;
  let server: ProxyProcess;
  let app: HttpServer;
  let wss: WebSocketServer;
  let greeter: NetServer;
  let httpListen: number;
  let detectListen: number;
  let serverSnap: (version: string, policies: readonly Policy[]) => Record<string, unknown>;
  let serverHttpPort: number;
  const held: Array<() => void> = [];

  before(async () => {
    pki = await createTestPki();
    const web = await pki.issue(spiffe('shop', 'web'));
    const backend = await pki.issue(spiffe('prod', 'backend'));
    const [appPort, greetPort, sHttp, sDetect] = [await freePort(), await freePort(), await freePort(), await freePort()];
    [httpListen, detectListen] = [await freePort(), await freePort()];
    serverHttpPort = sHttp;
    app = createHttpServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => void (n += c.length));
      req.on('end', () => {
        const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, length: n });
        const answer = (): void => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        };
        // /slow/...: held a moment, so that concurrent requests are in flight together.
        if (req.url?.startsWith('/slow/') === true) setTimeout(answer, 150);
        // /held/...: answered when the test says so.
        else if (req.url?.startsWith('/held/') === true) held.push(answer);
        else answer();
      });
    });
    wss = new WebSocketServer({ server: app });
    wss.on('connection', (ws) => ws.on('message', (m: Buffer) => ws.send(`echo:${m.toString()}`)));
    await new Promise<void>((r) => app.listen(appPort, '127.0.0.1', r));
    // A server-first protocol (SMTP style): it greets, the client says nothing first.
    greeter = createNetServer((s) => {
      s.on('error', () => undefined);
      s.write('220 greeter ready\r\n');
      s.on('data', (c: Buffer) => s.write(`250 got ${c.toString().trim()}\r\n`));
    });
    await new Promise<void>((r) => greeter.listen(greetPort, '127.0.0.1', r));
    serverSnap = (version, policies) => serverSnapshot({
      version, ns: 'prod', sa: 'backend', policies,
      ports: [{ appPort, listenPort: sHttp, protocol: 'http' }, { appPort: greetPort, listenPort: sDetect, protocol: 'detect' }],
    });
    server = await startWeftProxy({ dir: pki.dir, name: 'server', certPath: backend.certPath, keyPath: backend.keyPath, caPath: pki.caPath, snapshot: serverSnap('s1', []) });
    const backendId = spiffe('prod', 'backend');
    client = await startWeftProxy({
      dir: pki.dir, name: 'client', certPath: web.certPath, keyPath: web.keyPath, caPath: pki.caPath,
      snapshot: clientSnapshot({ version: 'c1', ns: 'shop', sa: 'web', services: [
        { name: 'web-api', namespace: 'prod', port: 80, protocol: 'http', listenPort: httpListen, endpointPort: sHttp, identity: backendId },
        { name: 'greeter', namespace: 'prod', port: 25, protocol: 'detect', listenPort: detectListen, endpointPort: sDetect, identity: backendId },
      ] }),
    });
  });

  after(async () => {
    await client?.stop();
    await server?.stop();
    wss?.close();
    app?.closeAllConnections();
    await new Promise((r) => app?.close(r));
    await new Promise((r) => greeter?.close(r));
    await pki?.cleanup();
  });

  test('curl: 200 through both proxies, identity from TLS, forged identity headers stripped', async () => {
    const r = await run('curl', ['-sS', '--max-time', '10', '-H', 'x-forwarded-client-cert: forged', '-H', 'x-weft-peer: forged', `http://127.0.0.1:${httpListen}/hello?x=1`]);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as { url: string; headers: Record<string, string> };
    assert.equal(body.url, '/hello?x=1');
    assert.equal(body.headers['x-forwarded-client-cert'], `By=${spiffe('prod', 'backend')};URI=${spiffe('shop', 'web')}`);
    assert.equal(body.headers['x-weft-peer'], undefined);
  });

  test('the application gets the normalized path that authorization matched; the query is kept as sent', async () => {
    const cases: Array<[string, string]> = [
      ['/public/../admin?x=/../y', '/admin?x=/../y'],
      ['/%61pi/./v1/', '/api/v1/'],
      ['/plain/path?q=%2e', '/plain/path?q=%2e'],
    ];
    for (const [sent, seen] of cases) {
      // --path-as-is: curl would otherwise resolve the dot segments itself.
      const r = await run('curl', ['-sS', '--max-time', '10', '--path-as-is', `http://127.0.0.1:${httpListen}${sent}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { url: string }).url, seen, sent);
    }
  });

  test('a kept-alive connection: the next request is judged by the policy in force after a reload', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get(agent, httpListen, '/orders');
    assert.equal(first.status, 200);
    const mark = server.logs.length;
    await server.writeSnapshot(serverSnap('s2', [{ name: 'no-orders', spec: { action: 'DENY', rules: [{ from: [{ source: { principals: [spiffe('shop', 'web')] } }], to: [{ operation: { paths: ['/orders*'] } }] }] } }]));
    await server.waitForLog('"version":"s2"', 5000, mark);
    const second = await get(agent, httpListen, '/orders');
    assert.equal(second.reused, true);
    assert.equal(second.status, 403);
    assert.match(second.body, /prod\/no-orders/);
    const other = await get(agent, httpListen, '/catalog');
    assert.equal(other.status, 200);
    agent.destroy();
    await server.writeSnapshot(serverSnap('s3', []));
    await server.waitForLog('"version":"s3"', 5000, mark);
  });

  test('between the proxies, one weft-mux connection carries the pooled connections as streams', async () => {
    // Eight requests in flight together: eight pooled connections, all streams of one TLS connection.
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => get(agent, httpListen, `/slow/${i}`)));
    agent.destroy();
    for (const r of replies) assert.equal(r.status, 200);
    type PoolStats = { idle: number; leased: number; muxConnections: number; muxDials: number; muxStreams: number; dials: number };
    const stats = JSON.parse((await client.admin('/stats')).body) as { peerPool: PoolStats };
    const pool = stats.peerPool;
    assert.ok(pool.idle + pool.leased >= 8, `eight pooled connections: ${JSON.stringify(pool)}`);
    assert.equal(pool.muxConnections, 1, `one mux connection carries them: ${JSON.stringify(pool)}`);
    assert.equal(pool.dials, pool.muxDials, 'every mTLS dial to the peer is a mux connection');
    assert.ok(pool.muxStreams >= 8);
    const metrics = (await server.admin('/metrics')).body;
    assert.match(metrics, /weft_proxy_connections_total\{listener="inbound_mtls",protocol="weft-mux"\} [1-9]/);
  });

  test('--no-mesh-mux: a client proxy without weft-mux gets one TLS connection per pooled connection, and the server still serves it', async () => {
    const web = await pki.issue(spiffe('shop', 'web'));
    const listen = await freePort();
    const plain = await startWeftProxy({
      dir: pki.dir, name: 'client-no-mux', certPath: web.certPath, keyPath: web.keyPath, caPath: pki.caPath, extraArgs: ['--no-mesh-mux'],
      snapshot: clientSnapshot({ version: 'p1', ns: 'shop', sa: 'web', services: [
        { name: 'web-api', namespace: 'prod', port: 80, protocol: 'http', listenPort: listen, endpointPort: serverHttpPort, identity: spiffe('prod', 'backend') },
      ] }),
    });
    try {
      const agent = new Agent({ keepAlive: true, maxSockets: 2 });
      const replies = await Promise.all([get(agent, listen, '/slow/a'), get(agent, listen, '/slow/b')]);
      agent.destroy();
      for (const r of replies) assert.equal(r.status, 200);
      const pool = (JSON.parse((await plain.admin('/stats')).body) as { peerPool: { dials: number; muxDials: number; muxStreams: number } }).peerPool;
      assert.equal(pool.muxDials, 0, JSON.stringify(pool));
      assert.equal(pool.muxStreams, 0);
      assert.equal(pool.dials, 2, 'two requests in flight together: two TLS connections');
      assert.match((await server.admin('/metrics')).body, /weft_proxy_connections_total\{listener="inbound_mtls",protocol="weft-http1"\} [1-9]/);
    } finally {
      await plain.stop();
    }
  });

  test('WebSocket upgrade passes through and messages flow both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${httpListen}/chat`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hello'));
      ws.on('message', (m: Buffer) => resolve(m.toString()));
      ws.on('error', reject);
    });
    assert.equal(reply, 'echo:hello');
    ws.close();
  });

  test('detect: a server-first protocol falls back to opaque TCP instead of hanging', async () => {
    const lines = await new Promise<string>((resolve, reject) => {
      let got = '';
      const s = connect({ host: '127.0.0.1', port: detectListen });
      const t = setTimeout(() => reject(new Error(`no greeting; got ${JSON.stringify(got)}`)), 5000);
      s.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.includes('220 greeter ready') && !got.includes('250')) s.write('HELO me\r\n');
        if (got.includes('250 got HELO me')) {
          clearTimeout(t);
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
    });
    assert.match(lines, /^220 greeter ready\r\n250 got HELO me/);
  });

  test('a malformed request and an oversized head get 400 and 431; the proxy keeps serving', async () => {
    const raw = (text: string): Promise<string> => new Promise((resolve) => {
      let got = '';
      const s = connect({ host: '127.0.0.1', port: httpListen }, () => s.write(text));
      s.on('data', (c: Buffer) => void (got += c.toString()));
      s.on('error', () => resolve(got));
      s.on('close', () => resolve(got));
    });
    assert.match(await raw('GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.match(await raw(`GET / HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(100_000)}\r\n\r\n`), /^HTTP\/1\.1 431/);
    const r = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', `http://127.0.0.1:${httpListen}/after`]);
    assert.equal(r.stdout, '200');
  });

  // Last: it stops the server proxy.
  test('SIGTERM on the server proxy: GOAWAY on weft-mux, the request in flight finishes, a new one fails cleanly, exit 0', async () => {
    type PoolStats = { muxConnections: number };
    const peerPool = async (): Promise<PoolStats> => (JSON.parse((await client.admin('/stats')).body) as { peerPool: PoolStats }).peerPool;
    const agent = new Agent({ keepAlive: false });
    assert.equal((await get(agent, httpListen, '/before')).status, 200);
    assert.equal((await peerPool()).muxConnections, 1);
    const inFlight = get(agent, httpListen, '/held/1');
    await eventually(() => held.length === 1, 5000, 'the held request to reach the app');
    const stopped = server.stop(10_000);
    // The server said GOAWAY: the client proxy opens no new stream on that connection.
    await eventually(async () => (await peerPool()).muxConnections === 0, 5000, 'the client proxy to drop the connection that said GOAWAY');
    // A new request needs a new connection, which the draining proxy no longer accepts.
    const r = await run('curl', ['-sS', '-w', '\n%{http_code}', '--max-time', '10', `http://127.0.0.1:${httpListen}/during-drain`]);
    assert.match(r.stdout, /\n503$/);
    held[0]?.();
    const h = await inFlight;
    assert.equal(h.status, 200);
    assert.equal((JSON.parse(h.body) as { url: string }).url, '/held/1');
    assert.equal(await stopped, 0);
    assert.ok(server.logs.some((l) => l.includes('"msg":"drained"')));
    assert.equal((await client.admin('/ready')).status, 200, 'the client proxy is unharmed');
    agent.destroy();
  });
});
