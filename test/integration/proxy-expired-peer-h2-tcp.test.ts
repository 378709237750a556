// A mesh connection must not outlive either certificate that authenticated it (issue 3: "its peers
// refuse it once its certificate expires"), for every protocol between proxies, not only pooled
// HTTP/1.1 (proxy-pooled-expired-peer): an HTTP/2 session (ALPN h2) and an opaque TCP tunnel (ALPN
// weft-tcp) opened through a client proxy whose certificate lives 6 s stop working once it expires;
// and the server proxy enforces it by itself: a raw mTLS client (no Weft proxy to retire anything)
// keeping one keep-alive connection open is cut at its certificate's expiry.
import assert from 'node:assert/strict';
import { connect as h2Connect, createServer as createH2Server, type Http2Server } from 'node:http2';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect as netConnect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, test } from 'node:test';
import { createTestPki, type IssuedFiles, type TestPki } from '../support/pki.js';
import { clientSnapshot, serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

const LIFETIME_MS = 6000;

let pki: TestPki;
let h2App: Http2Server;
let echoApp: NetServer;
let httpApp: HttpServer;
let server: ProxyProcess;
let client: ProxyProcess;
let clientCert: IssuedFiles;
const ports = { h2Out: 0, tcpOut: 0, httpIn: 0 };

const listen = (s: { listen: (port: number, host: string, cb: () => void) => unknown; address: () => unknown }): Promise<number> =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)));

before(async () => {
  pki = await createTestPki();
  const serverCert = await pki.issue(spiffe('prod', 'backend'));
  clientCert = await pki.issue(spiffe('shop', 'web'), { lifetimeMs: LIFETIME_MS, backdateMs: 0 });
  h2App = createH2Server((_req, res) => res.end('hello'));
  echoApp = createNetServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  httpApp = createHttpServer((_req, res) => res.end('hello'));
  const h2AppPort = await listen(h2App);
  const echoPort = await listen(echoApp);
  const httpAppPort = await listen(httpApp);
  const h2In = await freePort();
  const tcpIn = await freePort();
  ports.httpIn = await freePort();
  ports.h2Out = await freePort();
  ports.tcpOut = await freePort();
  server = await startWeftProxy({
    dir: pki.dir, name: 'server', certPath: serverCert.certPath, keyPath: serverCert.keyPath, caPath: pki.caPath,
    snapshot: serverSnapshot({ version: 's1', ns: 'prod', sa: 'backend', ports: [
      { appPort: h2AppPort, listenPort: h2In, protocol: 'http2' },
      { appPort: echoPort, listenPort: tcpIn, protocol: 'tcp' },
      { appPort: httpAppPort, listenPort: ports.httpIn, protocol: 'http' },
    ] }),
  });
  client = await startWeftProxy({
    dir: pki.dir, name: 'client', certPath: clientCert.certPath, keyPath: clientCert.keyPath, caPath: pki.caPath,
    snapshot: clientSnapshot({ version: 'c1', ns: 'shop', sa: 'web', services: [
      { name: 'grpcish', namespace: 'prod', port: 81, protocol: 'http2', listenPort: ports.h2Out, endpointPort: h2In, identity: spiffe('prod', 'backend') },
      { name: 'echo', namespace: 'prod', port: 82, protocol: 'tcp', listenPort: ports.tcpOut, endpointPort: tcpIn, identity: spiffe('prod', 'backend') },
    ] }),
  });
});

after(async () => {
  await client?.stop();
  await server?.stop();
  h2App?.close();
  echoApp?.close();
  httpApp?.close();
  await pki?.cleanup();
});

/** Resolves once `socket` closes (true), or after `ms` (false). */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

test('HTTP/2 and TCP through a proxy whose certificate expired fail, also on the session and tunnel opened before', { timeout: 30_000 }, async () => {
  // A TCP tunnel opened while the certificate is valid, kept open across the expiry.
  const tunnel = netConnect({ host: '127.0.0.1', port: ports.tcpOut });
  tunnel.on('error', () => undefined);
  let tunnelClosedAt = 0;
  tunnel.once('close', () => (tunnelClosedAt = Date.now()));
  const echoed = await new Promise<string>((resolve) => {
    tunnel.once('data', (c: Buffer) => resolve(c.toString()));
    tunnel.once('close', () => resolve(''));
    tunnel.write('ping');
    setTimeout(() => resolve(''), 3000).unref();
  });
  assert.equal(echoed, 'ping', 'the tunnel works while the certificate is valid');
  const session = h2Connect(`http://127.0.0.1:${ports.h2Out}`);
  session.on('error', () => undefined);
  const get = (): Promise<{ status: number; body: string }> => new Promise((resolve) => {
    const req = session.request({ ':path': '/', ':authority': 'grpcish.prod' });
    let status = 0;
    let body = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.setTimeout(3000, () => req.close());
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('close', () => resolve({ status, body }));
    req.end();
  });
  try {
    assert.equal((await get()).status, 200, 'HTTP/2 works while the certificate is valid');
    const results: { at: number; status: number; body: string }[] = [];
    const deadline = clientCert.notAfter + 4000;
    while (Date.now() < deadline && !session.destroyed) {
      const at = Date.now();
      results.push({ at, ...(await get()) });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const valid = results.filter((r) => r.at < clientCert.notAfter - 1500);
    const late = results.filter((r) => r.at > clientCert.notAfter + 2000);
    assert.ok(valid.length > 10 && valid.every((r) => r.status === 200), `all 200 while valid: ${JSON.stringify(valid.filter((r) => r.status !== 200))}`);
    assert.ok(late.length > 10, `requests after the expiry: ${late.length}`);
    const through = late.filter((r) => r.status === 200).length;
    assert.equal(through, 0, `${through} of ${late.length} HTTP/2 requests went through more than 2 s after the client's certificate expired`);
    assert.ok(late.every((r) => r.status === 503 && /certificate expired/.test(r.body)), `late requests fail with 503 and the TLS reason: ${JSON.stringify(late.slice(0, 3))}`);
    assert.ok(tunnelClosedAt > 0, 'the TCP tunnel opened before the expiry was closed');
    assert.ok(tunnelClosedAt >= clientCert.notAfter - 1500 && tunnelClosedAt <= clientCert.notAfter + 2000,
      `the TCP tunnel was closed at its expiry (${tunnelClosedAt - clientCert.notAfter} ms from notAfter)`);
    // A new tunnel after the expiry carries nothing.
    const late2 = netConnect({ host: '127.0.0.1', port: ports.tcpOut });
    late2.on('error', () => undefined);
    const got = await new Promise<string>((resolve) => {
      late2.once('data', (c: Buffer) => resolve(c.toString()));
      late2.once('close', () => resolve(''));
      late2.write('ping');
      setTimeout(() => resolve('no close in 3 s'), 3000).unref();
    });
    late2.destroy();
    assert.equal(got, '', 'no bytes through a tunnel dialled after the expiry');
    assert.equal(client.proc.exitCode, null, `the client proxy is still running: ${client.logs.slice(-5).join('\n')}`);
    assert.equal(server.proc.exitCode, null, 'the server proxy is still running');
  } finally {
    session.destroy();
    tunnel.destroy();
  }
});

test('the server proxy cuts a raw mTLS keep-alive connection at the client certificate\'s expiry by itself', { timeout: 30_000 }, async () => {
  const short = await pki.issue(spiffe('shop', 'web'), { lifetimeMs: 3000, backdateMs: 0 });
  const s = tlsConnect({ host: '127.0.0.1', port: ports.httpIn, ca: pki.caPem, cert: short.certPem, key: short.keyPem, minVersion: 'TLSv1.3', ALPNProtocols: ['weft-http1'], checkServerIdentity: () => undefined });
  s.on('error', () => undefined);
  let answers = '';
  s.setEncoding('utf8').on('data', (c: string) => (answers += c));
  await new Promise<void>((resolve, reject) => {
    s.once('secureConnect', () => resolve());
    s.once('close', () => reject(new Error(`closed before the handshake finished: ${answers}`)));
  });
  s.write('GET / HTTP/1.1\r\nhost: backend\r\n\r\n');
  const first = Date.now();
  while (!answers.includes('hello') && Date.now() - first < 3000) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.match(answers, /^HTTP\/1\.1 200/, 'served while valid');
  const closed = await closedWithin(s, short.notAfter + 1500 - Date.now());
  assert.equal(closed, true, 'the server closed the connection within 1.5 s of the client certificate\'s expiry');
  assert.ok(Date.now() >= short.notAfter - 1500, `not closed long before the expiry (${short.notAfter - Date.now()} ms early)`);
});
