// Access-log lines of HTTP/2 and gRPC requests through two real `weft proxy` processes (mTLS, ALPN h2
// between them, the access log on for the client's outbound and the server's inbound side): each hop
// writes exactly one line per request, with the body bytes both ways (gRPC framing included), the
// status and gRPC status, and the same trace id; requests that fail in the client proxy (no ready
// endpoint, connection refused, wrong server identity) get one client line with the error code.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { clientSnapshot, serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { curlH2, eventually } from '../support/processes.js';
import { echoService, startGrpcApp, startH2App, type EchoMsg } from '../support/test-apps.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

type Line = Record<string, unknown>;
type EchoClient = grpc.Client & Record<string, (...a: unknown[]) => unknown>;

const WEB = spiffe('shop', 'web');
const BACKEND = spiffe('prod', 'backend');
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

/**
 * Bytes of an `echo.Msg` on the wire in a gRPC body: the 5-byte prefix and the protobuf message, two
 * length-delimited fields (tag, length, bytes). The tests send no empty field: whether one is written
 * depends on the encoder.
 */
function grpcFrameLength(text: string, payloadLength: number): number {
  const field = (n: number): number => 1 + varintLength(n) + n;
  assert.ok(text.length > 0 && payloadLength > 0);
  return 5 + field(Buffer.byteLength(text)) + field(payloadLength);
}

/** The access-log lines (JSON on stdout) of a proxy whose path is `path`. */
function linesFor(p: ProxyProcess, path: string): Line[] {
  const out: Line[] = [];
  for (const l of p.stdoutLines) {
    if (!l.startsWith('{')) continue;
    const o = JSON.parse(l) as Line;
    if (o['path'] === path) out.push(o);
  }
  return out;
}

/** Waits (bounded) until `p` has logged a line for `path`, and returns the lines for it. */
async function waitForLines(p: ProxyProcess, path: string, what: string): Promise<Line[]> {
  await eventually(() => linesFor(p, path).length > 0, 5000, `the ${what} access-log line for ${path}`);
  return linesFor(p, path);
}

describe('HTTP/2 and gRPC access-log lines on both proxies', () => {
  let pki: TestPki;
  let client: ProxyProcess;
  let server: ProxyProcess;
  let h2App: Awaited<ReturnType<typeof startH2App>>;
  let grpcApp: grpc.Server;
  let h2Listen: number;
  let grpcListen: number;
  let sH2: number;
  let sGrpc: number;
  let h2Port: number;
  let grpcPort: number;
  let noEndpointListen: number;
  let refusedListen: number;
  let refusedPort: number;
  let impostorListen: number;
  let deadAppListen: number;
  let sDeadApp: number;
  let echo: EchoClient;
  let refusedEcho: EchoClient;
  /** Every request of this file: the path, and whether it should reach the server proxy. */
  const requests: { path: string; reachesServer: boolean; count: number }[] = [];

  before(async () => {
    pki = await createTestPki();
    const web = await pki.issue(WEB);
    const backend = await pki.issue(BACKEND);
    [h2Port, grpcPort, sH2, sGrpc] = [await freePort(), await freePort(), await freePort(), await freePort()];
    [h2Listen, noEndpointListen, refusedListen, impostorListen, refusedPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    grpcListen = await freePort();
    // An inbound port whose app is not listening: the server proxy answers the stream itself.
    [deadAppListen, sDeadApp] = [await freePort(), await freePort()];
    const deadAppPort = await freePort();
    h2App = await startH2App(h2Port);
    grpcApp = await startGrpcApp(grpcPort);
    const s = serverSnapshot({
      version: 's1', ns: 'prod', sa: 'backend',
      ports: [{ appPort: h2Port, listenPort: sH2, protocol: 'http2' }, { appPort: grpcPort, listenPort: sGrpc, protocol: 'grpc' }, { appPort: deadAppPort, listenPort: sDeadApp, protocol: 'http2' }],
      policies: [{ name: 'deny-logged', spec: { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/logged/denied'] } }] }] } }],
    });
    server = await startWeftProxy({
      dir: pki.dir, name: 'server', certPath: backend.certPath, keyPath: backend.keyPath, caPath: pki.caPath,
      snapshot: { ...s, inbound: { ...(s.inbound as Record<string, unknown>), accessLog: true } },
    });
    const c = clientSnapshot({ version: 'c1', ns: 'shop', sa: 'web', accessLog: true, services: [
      { name: 'h2', namespace: 'prod', port: 8080, protocol: 'http2', listenPort: h2Listen, endpointPort: sH2, identity: BACKEND },
      { name: 'grpc', namespace: 'prod', port: 9090, protocol: 'grpc', listenPort: grpcListen, endpointPort: sGrpc, identity: BACKEND },
      { name: 'nowhere', namespace: 'prod', port: 8082, protocol: 'http2', listenPort: noEndpointListen, endpointPort: sH2, identity: BACKEND },
      { name: 'refused', namespace: 'prod', port: 9091, protocol: 'grpc', listenPort: refusedListen, endpointPort: refusedPort, identity: BACKEND },
      { name: 'impostor', namespace: 'prod', port: 8081, protocol: 'http2', listenPort: impostorListen, endpointPort: sH2, identity: spiffe('prod', 'payments') },
      { name: 'deadapp', namespace: 'prod', port: 8083, protocol: 'http2', listenPort: deadAppListen, endpointPort: sDeadApp, identity: BACKEND },
    ] });
    // `nowhere` has an endpoint, but not a ready one.
    const outbound = c.outbound as { services: { name: string; endpoints: Record<string, unknown>[] }[] };
    for (const svc of outbound.services) {
      if (svc.name === 'nowhere') svc.endpoints = svc.endpoints.map((e) => ({ ...e, ready: false }));
    }
    client = await startWeftProxy({ dir: pki.dir, name: 'client', certPath: web.certPath, keyPath: web.keyPath, caPath: pki.caPath, snapshot: c });
    const Echo = echoService();
    echo = new Echo(`127.0.0.1:${grpcListen}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
    refusedEcho = new Echo(`127.0.0.1:${refusedListen}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
  });

  after(async () => {
    echo?.close();
    refusedEcho?.close();
    await client?.stop();
    await server?.stop();
    grpcApp?.forceShutdown();
    await new Promise((r) => h2App?.server.close(r));
    await pki?.cleanup();
  });

  const curl = curlH2;

  function assertHop(line: Line, expected: Line): void {
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(line[k], v, `${String(line['direction'])} ${k} in ${JSON.stringify(line)}`);
    assert.equal(typeof line['duration_ms'], 'number');
    assert.match(String(line['time']), /^\d{4}-\d\d-\d\dT/);
  }

  test('gRPC unary: one line per hop, bytes are the gRPC frames both ways, grpc_status 0, one trace id', async () => {
    const payload = Buffer.alloc(1000, 7);
    const reply = await new Promise<EchoMsg>((resolve, reject) => {
      echo['Unary']!({ text: 'hi', payload }, (e: grpc.ServiceError | null, m: EchoMsg) => (e ? reject(e) : resolve(m)));
    });
    const bytesIn = grpcFrameLength('hi', 1000);
    const bytesOut = grpcFrameLength(reply.text, reply.payload.length);
    assert.equal(bytesIn, 5 + 4 + 1003);
    const path = '/echo.Echo/Unary';
    requests.push({ path, reachesServer: true, count: 1 });
    const [out] = await waitForLines(client, path, 'client');
    const [inb] = await waitForLines(server, path, 'server');
    const common = { protocol: 'grpc', method: 'POST', path, status: 200, grpc_status: 0, bytes_in: bytesIn, bytes_out: bytesOut };
    assertHop(out!, {
      ...common, direction: 'outbound', authority: `127.0.0.1:${grpcListen}`,
      destination_service: 'grpc.prod', destination_principal: BACKEND, upstream_address: `127.0.0.1:${sGrpc}`,
    });
    assertHop(inb!, {
      ...common, direction: 'inbound', source_principal: WEB, destination_workload: 'backend', destination_namespace: 'prod',
      upstream_address: `127.0.0.1:${grpcPort}`, authz: 'allowed',
    });
    assert.equal(out!['error'], undefined);
    assert.equal(inb!['error'], undefined);
    assert.match(String(out!['trace_id']), /^[0-9a-f]{32}$/);
    assert.equal(inb!['trace_id'], out!['trace_id']);
  });

  test('gRPC bidirectional stream: one line per hop for the whole call, with every frame counted', async () => {
    const sent = ['a', 'bb', 'ccc'].map((t, i) => ({ text: t, payload: Buffer.alloc((i + 1) * 300, 1) }));
    const call = echo['Chat']!() as grpc.ClientDuplexStream<EchoMsg, EchoMsg>;
    const got: EchoMsg[] = [];
    const status = new Promise<grpc.StatusObject>((resolve, reject) => {
      call.on('data', (m: EchoMsg) => got.push(m));
      call.on('status', resolve);
      call.on('error', reject);
    });
    for (const m of sent) call.write(m);
    call.end();
    assert.equal((await status).code, grpc.status.OK);
    assert.deepEqual(got.map((m) => m.text), ['echo:a', 'echo:bb', 'echo:ccc']);
    const bytesIn = sent.reduce((n, m) => n + grpcFrameLength(m.text, m.payload.length), 0);
    const bytesOut = got.reduce((n, m) => n + grpcFrameLength(m.text, m.payload.length), 0);
    const path = '/echo.Echo/Chat';
    requests.push({ path, reachesServer: true, count: 1 });
    const [out] = await waitForLines(client, path, 'client');
    const [inb] = await waitForLines(server, path, 'server');
    const common = { protocol: 'grpc', method: 'POST', path, status: 200, grpc_status: 0, bytes_in: bytesIn, bytes_out: bytesOut };
    assertHop(out!, { ...common, direction: 'outbound', destination_service: 'grpc.prod', destination_principal: BACKEND });
    assertHop(inb!, { ...common, direction: 'inbound', source_principal: WEB });
    assert.equal(inb!['trace_id'], out!['trace_id']);
  });

  test('HTTP/2 POST: the body bytes both ways, no grpc_status, the caller\'s trace id on both hops', async () => {
    const file = join(pki.dir, 'post.bin');
    await writeFile(file, Buffer.alloc(3000, 0x41));
    const path = '/logged/post';
    const r = await curl(['-H', `traceparent: 00-${TRACE_ID}-b7ad6b7169203331-01`, '--data-binary', `@${file}`, '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `http://127.0.0.1:${h2Listen}${path}?x=1`]);
    assert.equal(r.code, 0, r.stderr);
    const [code, size] = r.stdout.split(' ').map(Number);
    assert.equal(code, 200);
    assert.ok((size ?? 0) > 0);
    requests.push({ path, reachesServer: true, count: 1 });
    const [out] = await waitForLines(client, path, 'client');
    const [inb] = await waitForLines(server, path, 'server');
    const common = { protocol: 'http', method: 'POST', path, status: 200, bytes_in: 3000, bytes_out: size, trace_id: TRACE_ID };
    assertHop(out!, { ...common, direction: 'outbound', authority: `127.0.0.1:${h2Listen}`, destination_service: 'h2.prod', destination_principal: BACKEND, upstream_address: `127.0.0.1:${sH2}` });
    assertHop(inb!, { ...common, direction: 'inbound', source_principal: WEB, upstream_address: `127.0.0.1:${h2Port}` });
    assert.equal(out!['grpc_status'], undefined);
    assert.equal(inb!['grpc_status'], undefined);
  });

  test('denied by the server proxy: one line per hop, 403, the server line names the policy', async () => {
    const path = '/logged/denied';
    const r = await curl(['-o', '/dev/null', '-w', '%{http_code} %{size_download}', `http://127.0.0.1:${h2Listen}${path}`]);
    const [code, size] = r.stdout.split(' ').map(Number);
    assert.equal(code, 403);
    requests.push({ path, reachesServer: true, count: 1 });
    const [out] = await waitForLines(client, path, 'client');
    const [inb] = await waitForLines(server, path, 'server');
    const common = { protocol: 'http', method: 'GET', path, status: 403, bytes_in: 0, bytes_out: size };
    assertHop(out!, { ...common, direction: 'outbound', destination_service: 'h2.prod' });
    assertHop(inb!, { ...common, direction: 'inbound', source_principal: WEB, authz: 'denied', authz_policy: 'prod/deny-logged', error: 'WEFT_AUTHZ_DENIED' });
    assert.equal(out!['error'], undefined, 'the client proxy passed the answer on');
    assert.equal(inb!['trace_id'], out!['trace_id']);
  });

  test('the server\'s app is not listening: 503 from the server proxy; its line, metrics and edge say 503, not "no response"', async () => {
    const path = '/logged/dead-app';
    const r = await curl(['-o', '/dev/null', '-w', '%{http_code} %{size_download}', `http://127.0.0.1:${deadAppListen}${path}`]);
    const [code, size] = r.stdout.split(' ').map(Number);
    assert.equal(code, 503);
    requests.push({ path, reachesServer: true, count: 1 });
    const [out] = await waitForLines(client, path, 'client');
    const [inb] = await waitForLines(server, path, 'server');
    assertHop(inb!, { direction: 'inbound', protocol: 'http', method: 'GET', path, status: 503, bytes_in: 0, bytes_out: size, error: 'WEFT_PROXY_UPSTREAM_CONNECT' });
    assertHop(out!, { direction: 'outbound', protocol: 'http', method: 'GET', path, status: 503, bytes_out: size });
    const m = await server.admin('/metrics');
    assert.match(m.body, /^weft_proxy_http2_streams_total\{direction="inbound",grpc="false",code_class="5xx"\} [1-9]/m, 'the stream is counted as the 503 it got');
    assert.doesNotMatch(m.body, /^weft_proxy_http2_streams_total\{direction="inbound",grpc="false",code_class="none"\} [1-9]/m);
  });

  test('no ready endpoint: 503 from the client proxy, one client line with the error code and the body it sent', async () => {
    const path = '/logged/no-endpoint';
    const r = await curl(['-o', '/dev/null', '-w', '%{http_code} %{size_download}', `http://127.0.0.1:${noEndpointListen}${path}`]);
    const [code, size] = r.stdout.split(' ').map(Number);
    assert.equal(code, 503);
    requests.push({ path, reachesServer: false, count: 1 });
    const [out] = await waitForLines(client, path, 'client');
    assertHop(out!, {
      direction: 'outbound', protocol: 'http', method: 'GET', path, status: 503, bytes_in: 0, bytes_out: size,
      destination_service: 'nowhere.prod', error: 'WEFT_PROXY_UPSTREAM_CONNECT',
    });
    assert.equal(out!['upstream_address'], undefined);
  });

  test('gRPC to a refused endpoint: UNAVAILABLE from the client proxy, one client line with grpc_status 14 and the error code', async () => {
    const e = await new Promise<grpc.ServiceError>((resolve, reject) => {
      refusedEcho['Secret']!({ text: 'x', payload: Buffer.alloc(0) }, (err: grpc.ServiceError | null) => (err ? resolve(err) : reject(new Error('answered'))));
    });
    assert.equal(e.code, grpc.status.UNAVAILABLE);
    assert.match(e.details, /upstream connect error/);
    const path = '/echo.Echo/Secret';
    requests.push({ path, reachesServer: false, count: 1 });
    const [out] = await waitForLines(client, path, 'client');
    assertHop(out!, {
      direction: 'outbound', protocol: 'grpc', method: 'POST', path, status: 200, grpc_status: 14, bytes_out: 0,
      destination_service: 'refused.prod', destination_principal: BACKEND, upstream_address: `127.0.0.1:${refusedPort}`, error: 'WEFT_PROXY_UPSTREAM_CONNECT',
    });
    assert.match(String(out!['trace_id']), /^[0-9a-f]{32}$/);
  });

  test('a server with the wrong SPIFFE ID: one client line with WEFT_TLS_PEER_IDENTITY, none on the server', async () => {
    const path = '/logged/impostor';
    const r = await curl(['-o', '/dev/null', '-w', '%{http_code} %{size_download}', `http://127.0.0.1:${impostorListen}${path}`]);
    const [code, size] = r.stdout.split(' ').map(Number);
    assert.equal(code, 503);
    requests.push({ path, reachesServer: false, count: 1 });
    const [out] = await waitForLines(client, path, 'client');
    assertHop(out!, {
      direction: 'outbound', protocol: 'http', method: 'GET', path, status: 503, bytes_out: size,
      // The principal the snapshot expects of the endpoint (the server presented another).
      destination_service: 'impostor.prod', destination_principal: spiffe('prod', 'payments'), upstream_address: `127.0.0.1:${sH2}`, error: 'WEFT_TLS_PEER_IDENTITY',
    });
  });

  test('after both proxies flush and exit: exactly one line per request on each hop it reached, none for the others', async () => {
    assert.equal(requests.length, 8, 'every earlier test ran');
    assert.equal(await client.stop(), 0);
    assert.equal(await server.stop(), 0);
    for (const p of [client, server]) {
      const out = p.proc.stdout;
      if (out !== null && !out.closed) await new Promise<void>((resolve) => out.once('close', resolve));
    }
    for (const { path, reachesServer, count } of requests) {
      assert.equal(linesFor(client, path).length, count, `client lines for ${path}`);
      assert.equal(linesFor(server, path).length, reachesServer ? count : 0, `server lines for ${path}`);
    }
    const all = (p: ProxyProcess): Line[] => p.stdoutLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
    assert.equal(all(client).length, requests.length, client.stdoutLines.join('\n'));
    assert.ok(all(client).every((l) => l['direction'] === 'outbound'));
    assert.ok(all(server).every((l) => l['direction'] === 'inbound'));
  });
});
