// HTTP/2 and gRPC through two real `weft proxy` processes: h2c from the client (curl
// --http2-prior-knowledge, h2load, @grpc/grpc-js), multiplexed HTTP/2 over mTLS (ALPN h2) between the
// proxies, h2c to the apps. Trailers, large bodies, bidirectional streaming, per-stream authorization
// with gRPC semantics, a wrong server identity (503 with a reason), and SIGTERM drain with a request in flight.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { clientSnapshot, serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { curlH2, eventually, run } from '../support/processes.js';
import { echoService, startGrpcApp, startH2App, type EchoMsg } from '../support/test-apps.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

describe('HTTP/2 and gRPC through two proxies', () => {
  let pki: TestPki;
  let client: ProxyProcess;
  let server: ProxyProcess;
  let h2App: Awaited<ReturnType<typeof startH2App>>;
  let grpcApp: grpc.Server;
  let h2Listen: number;
  let grpcListen: number;
  let wrongIdListen: number;
  let echo: grpc.Client & Record<string, (...a: unknown[]) => unknown>;

  before(async () => {
    pki = await createTestPki();
    const web = await pki.issue(spiffe('shop', 'web'));
    const backend = await pki.issue(spiffe('prod', 'backend'));
    const [h2Port, grpcPort, sH2, sGrpc] = [await freePort(), await freePort(), await freePort(), await freePort()];
    [h2Listen, grpcListen, wrongIdListen] = [await freePort(), await freePort(), await freePort()];
    h2App = await startH2App(h2Port);
    grpcApp = await startGrpcApp(grpcPort);
    server = await startWeftProxy({
      dir: pki.dir, name: 'server', certPath: backend.certPath, keyPath: backend.keyPath, caPath: pki.caPath,
      snapshot: serverSnapshot({
        version: 's1', ns: 'prod', sa: 'backend',
        ports: [{ appPort: h2Port, listenPort: sH2, protocol: 'http2' }, { appPort: grpcPort, listenPort: sGrpc, protocol: 'grpc' }],
        policies: [{ name: 'deny-private', spec: { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/private*', '/echo.Echo/Secret'] } }] }] } }],
      }),
    });
    const backendId = spiffe('prod', 'backend');
    client = await startWeftProxy({
      dir: pki.dir, name: 'client', certPath: web.certPath, keyPath: web.keyPath, caPath: pki.caPath,
      snapshot: clientSnapshot({ version: 'c1', ns: 'shop', sa: 'web', services: [
        { name: 'h2', namespace: 'prod', port: 8080, protocol: 'http2', listenPort: h2Listen, endpointPort: sH2, identity: backendId },
        { name: 'grpc', namespace: 'prod', port: 9090, protocol: 'grpc', listenPort: grpcListen, endpointPort: sGrpc, identity: backendId },
        { name: 'impostor', namespace: 'prod', port: 8081, protocol: 'http2', listenPort: wrongIdListen, endpointPort: sH2, identity: spiffe('prod', 'payments') },
      ] }),
    });
    const Echo = echoService();
    echo = new Echo(`127.0.0.1:${grpcListen}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 16 << 20, 'grpc.max_send_message_length': 16 << 20,
    }) as unknown as grpc.Client & Record<string, (...a: unknown[]) => unknown>;
  });

  after(async () => {
    echo?.close();
    await client?.stop();
    await server?.stop();
    grpcApp?.forceShutdown();
    await new Promise((r) => h2App?.server.close(r));
    await pki?.cleanup();
  });

  const curl = curlH2;

  test('curl --http2-prior-knowledge: 200, identity headers stripped and set from TLS, trailers pass', async () => {
    const r = await curl(['-H', 'x-forwarded-client-cert: By=evil;URI=spiffe://cluster.local/ns/x/sa/evil', '-H', 'x-weft-user: evil', '-H', 'te: trailers', '-i', `http://127.0.0.1:${h2Listen}/hello?q=1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/2 200/);
    assert.match(r.stdout, /x-done: yes/);
    const body = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'), r.stdout.lastIndexOf('}') + 1)) as { path: string; headers: Record<string, string> };
    assert.equal(body.path, '/hello?q=1');
    assert.equal(body.headers['x-forwarded-client-cert'], `By=${spiffe('prod', 'backend')};URI=${spiffe('shop', 'web')}`);
    assert.equal(body.headers['x-weft-user'], undefined);
    // No traceparent from the client: the client proxy starts a trace.
    assert.match(body.headers['traceparent'] ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const t = await curl(['-H', 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', `http://127.0.0.1:${h2Listen}/traced`]);
    const seen = (JSON.parse(t.stdout) as { headers: Record<string, string> }).headers['traceparent'] ?? '';
    assert.match(seen, /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });

  test('the application gets the normalized :path that authorization matched; the query is kept as sent', async () => {
    const r = await curl(['--path-as-is', `http://127.0.0.1:${h2Listen}/public/../%68ello/./x?q=/../y`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { path: string }).path, '/hello/x?q=/../y');
  });

  test('large bodies both ways stream through (8 MiB up, 16 MiB down)', async () => {
    const file = join(pki.dir, 'upload.bin');
    const data = Buffer.alloc(8 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    await writeFile(file, data);
    const { createHash } = await import('node:crypto');
    const up = await curl(['--data-binary', `@${file}`, `http://127.0.0.1:${h2Listen}/upload`]);
    assert.equal(up.code, 0, up.stderr);
    const got = JSON.parse(up.stdout) as { length: number; sha256: string };
    assert.equal(got.length, data.length);
    assert.equal(got.sha256, createHash('sha256').update(data).digest('hex'));
    const down = await curl(['-o', '/dev/null', '-w', '%{http_code} %{size_download}', `http://127.0.0.1:${h2Listen}/big?n=${16 << 20}`]);
    assert.equal(down.stdout, `200 ${16 << 20}`);
  });

  test('h2load: 2,000 multiplexed requests over 4 connections all succeed', async () => {
    const r = await run('h2load', ['-n', '2000', '-c', '4', '-m', '10', '-t', '1', `http://127.0.0.1:${h2Listen}/load`], { timeoutMs: 30_000 });
    assert.match(r.stdout, /requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored/, r.stdout);
    assert.match(r.stdout, /status codes: 2000 2xx/);
  });

  test('plain HTTP/2 denied by policy: 403 with a body naming the policy', async () => {
    const r = await curl(['-w', '\n%{http_code}', `http://127.0.0.1:${h2Listen}/private/data`]);
    assert.match(r.stdout, /RBAC: access denied by policy prod\/deny-private\n+403$/);
  });

  test('gRPC unary with a 6 MiB message, and the caller identity from TLS', async () => {
    const payload = Buffer.alloc(6 << 20, 7);
    const reply = await new Promise<EchoMsg>((resolve, reject) => {
      echo['Unary']!({ text: 'hi', payload }, (e: grpc.ServiceError | null, m: EchoMsg) => (e ? reject(e) : resolve(m)));
    });
    assert.equal(reply.text, `echo:hi:By=${spiffe('prod', 'backend')};URI=${spiffe('shop', 'web')}`);
    assert.equal(reply.payload.length, payload.length);
  });

  test('gRPC bidirectional streaming: 200 messages each way, in order, status OK', async () => {
    const call = echo['Chat']!() as grpc.ClientDuplexStream<EchoMsg, EchoMsg>;
    const got: string[] = [];
    const done = new Promise<grpc.StatusObject>((resolve, reject) => {
      call.on('data', (m: EchoMsg) => got.push(m.text));
      call.on('status', resolve);
      call.on('error', reject);
    });
    for (let i = 0; i < 200; i++) call.write({ text: `m${i}`, payload: Buffer.alloc(i * 100, 1) });
    call.end();
    const status = await done;
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => `echo:m${i}`));
  });

  test('gRPC denied by policy: status 7 PERMISSION_DENIED naming the policy', async () => {
    const e = await new Promise<grpc.ServiceError>((resolve, reject) => {
      echo['Secret']!({ text: 'x', payload: Buffer.alloc(0) }, (err: grpc.ServiceError | null) => (err ? resolve(err) : reject(new Error('allowed'))));
    });
    assert.equal(e.code, grpc.status.PERMISSION_DENIED);
    assert.match(e.details, /RBAC: access denied by policy prod\/deny-private/);
  });

  test('a server with the wrong SPIFFE ID: the client proxy answers 503 with a reason', async () => {
    const r = await curl(['-w', '\n%{http_code}', `http://127.0.0.1:${wrongIdListen}/hello`]);
    assert.match(r.stdout, /upstream identity check failed: server identity spiffe:\/\/cluster\.local\/ns\/prod\/sa\/backend is not one of/);
    assert.match(r.stdout, /\n+503$/);
    assert.match((await client.admin('/metrics')).body, /weft_proxy_upstream_failures_total\{direction="outbound",reason="(peer_identity|bad_identity)"\} [1-9]/);
  });

  test('SIGTERM drains: a request in flight finishes, then the proxy exits 0', async () => {
    const inflight = curl(['-w', '\n%{http_code}', `http://127.0.0.1:${h2Listen}/slow`]);
    await eventually(() => h2App.seen.slow > 0, 5000, 'the slow request to reach the app');
    const stopped = server.stop(10_000);
    const r = await inflight;
    assert.match(r.stdout, /"path":"\/slow"[\s\S]*\n200$/);
    assert.equal(await stopped, 0);
    assert.ok(server.logs.some((l) => l.includes('"msg":"drained"')));
  });
});
