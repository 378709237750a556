// Authorization through real proxies: a table of policies × requests (L4 and L7, HTTP and gRPC,
// ALLOW/DENY/none, notPaths, wildcard principals, namespaces, methods, header conditions, mesh default),
// each applied to the server proxy by a snapshot reload and checked with the expected status: 403 with
// the policy's name for HTTP, gRPC status 7 for gRPC, a closed connection for TCP.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request, type Server as HttpServer } from 'node:http';
import { connect, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { clientSnapshot, serverSnapshot, spiffe, type Policy } from '../support/mesh-snapshots.js';
import { echoService, startGrpcApp, type EchoMsg } from '../support/test-apps.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

type Caller = 'web' | 'ops';
type Probe =
  | { readonly kind: 'http'; readonly method?: string; readonly path: string; readonly headers?: Record<string, string>; readonly expect: number }
  | { readonly kind: 'grpc'; readonly method: 'Unary' | 'Secret'; readonly expect: number }
  | { readonly kind: 'tcp'; readonly expect: 'open' | 'closed' };

interface Row {
  readonly name: string;
  readonly policies: readonly Policy[];
  readonly defaultAction?: 'ALLOW' | 'DENY';
  readonly probes: readonly (readonly [Caller, Probe])[];
  /** The policy named in denials, when a DENY policy decides (an unmatched ALLOW denies by default). */
  readonly names?: string;
}

const web = spiffe('shop', 'web');
const table: readonly Row[] = [
  { name: 'no policy, mesh default ALLOW', policies: [], probes: [
    ['web', { kind: 'http', path: '/a', expect: 200 }], ['web', { kind: 'grpc', method: 'Unary', expect: 0 }], ['web', { kind: 'tcp', expect: 'open' }]] },
  { name: 'no policy, mesh default DENY', policies: [], defaultAction: 'DENY', probes: [
    ['web', { kind: 'http', path: '/a', expect: 403 }], ['web', { kind: 'grpc', method: 'Unary', expect: 7 }], ['web', { kind: 'tcp', expect: 'closed' }]] },
  { name: 'DENY a principal on a path prefix', names: 'prod/deny-admin', policies: [{ name: 'deny-admin', spec: { action: 'DENY', rules: [{ from: [{ source: { principals: [web] } }], to: [{ operation: { paths: ['/admin*'] } }] }] } }], probes: [
    ['web', { kind: 'http', path: '/admin/x', expect: 403 }], ['web', { kind: 'http', path: '/public', expect: 200 }], ['ops', { kind: 'http', path: '/admin/x', expect: 200 }],
    // The path is normalized before matching (and forwarded normalized): dot segments and encoded letters do not slip past.
    ['web', { kind: 'http', path: '/public/../admin/x', expect: 403 }], ['web', { kind: 'http', path: '/%61dmin/x?y=1', expect: 403 }], ['web', { kind: 'http', path: '/./admin', expect: 403 }],
    // Istio: a DENY rule with HTTP-only fields applied to TCP drops those fields, so it denies more, not less.
    ['web', { kind: 'tcp', expect: 'closed' }], ['ops', { kind: 'tcp', expect: 'open' }]] },
  { name: 'ALLOW one namespace: others are denied on every protocol', policies: [{ name: 'ops-only', spec: { action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['ops'] } }] }] } }], probes: [
    ['web', { kind: 'http', path: '/a', expect: 403 }], ['ops', { kind: 'http', path: '/a', expect: 200 }], ['web', { kind: 'tcp', expect: 'closed' }], ['ops', { kind: 'tcp', expect: 'open' }],
    ['web', { kind: 'grpc', method: 'Unary', expect: 7 }], ['ops', { kind: 'grpc', method: 'Unary', expect: 0 }]] },
  { name: 'ALLOW with notPaths', policies: [{ name: 'not-private', spec: { action: 'ALLOW', rules: [{ to: [{ operation: { notPaths: ['/private*'] } }] }] } }], probes: [
    ['web', { kind: 'http', path: '/private/1', expect: 403 }], ['web', { kind: 'http', path: '/ok', expect: 200 }]] },
  { name: 'ALLOW a wildcard principal', policies: [{ name: 'shop-all', spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['spiffe://cluster.local/ns/shop/sa/*'] } }] }] } }], probes: [
    ['web', { kind: 'http', path: '/a', expect: 200 }], ['ops', { kind: 'http', path: '/a', expect: 403 }], ['web', { kind: 'tcp', expect: 'open' }], ['ops', { kind: 'tcp', expect: 'closed' }]] },
  { name: 'ALLOW GET only', policies: [{ name: 'get-only', spec: { action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] } }], probes: [
    ['web', { kind: 'http', path: '/a', expect: 200 }], ['web', { kind: 'http', method: 'POST', path: '/a', expect: 403 }]] },
  { name: 'DENY one gRPC method', names: 'prod/no-unary', policies: [{ name: 'no-unary', spec: { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/echo.Echo/Unary'] } }] }] } }], probes: [
    ['web', { kind: 'grpc', method: 'Unary', expect: 7 }], ['web', { kind: 'grpc', method: 'Secret', expect: 0 }]] },
  { name: 'DENY on a header condition', policies: [{ name: 'no-mallory', spec: { action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-user]', values: ['mallory'] }] }] } }], probes: [
    ['web', { kind: 'http', path: '/a', headers: { 'x-user': 'mallory' }, expect: 403 }], ['web', { kind: 'http', path: '/a', headers: { 'x-user': 'alice' }, expect: 200 }]] },
];

describe('authorization table through real proxies', () => {
  let pki: TestPki;
  let server: ProxyProcess;
  const clients = new Map<Caller, ProxyProcess>();
  const listens = new Map<Caller, { http: number; grpc: number; tcp: number }>();
  const grpcClients = new Map<Caller, grpc.Client & Record<string, (...a: unknown[]) => unknown>>();
  let app: HttpServer;
  let grpcApp: grpc.Server;
  let tcpApp: NetServer;
  let ports: { http: number; grpc: number; tcp: number; sHttp: number; sGrpc: number; sTcp: number };
  let version = 0;

  const snap = (row: Row): Record<string, unknown> => serverSnapshot({
    version: `t${++version}`, ns: 'prod', sa: 'backend', policies: row.policies, defaultAction: row.defaultAction ?? 'ALLOW',
    ports: [{ appPort: ports.http, listenPort: ports.sHttp, protocol: 'http' }, { appPort: ports.grpc, listenPort: ports.sGrpc, protocol: 'grpc' }, { appPort: ports.tcp, listenPort: ports.sTcp, protocol: 'tcp' }],
  });

  before(async () => {
    pki = await createTestPki();
    ports = { http: await freePort(), grpc: await freePort(), tcp: await freePort(), sHttp: await freePort(), sGrpc: await freePort(), sTcp: await freePort() };
    app = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((r) => app.listen(ports.http, '127.0.0.1', r));
    grpcApp = await startGrpcApp(ports.grpc);
    tcpApp = createNetServer((s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((r) => tcpApp.listen(ports.tcp, '127.0.0.1', r));
    const backend = await pki.issue(spiffe('prod', 'backend'));
    server = await startWeftProxy({ dir: pki.dir, name: 'server', certPath: backend.certPath, keyPath: backend.keyPath, caPath: pki.caPath, snapshot: snap(table[0]!) });
    const id = spiffe('prod', 'backend');
    const Echo = echoService();
    for (const [caller, ns] of [['web', 'shop'], ['ops', 'ops']] as const) {
      const cert = await pki.issue(spiffe(ns, caller));
      const l = { http: await freePort(), grpc: await freePort(), tcp: await freePort() };
      listens.set(caller, l);
      clients.set(caller, await startWeftProxy({
        dir: pki.dir, name: caller, certPath: cert.certPath, keyPath: cert.keyPath, caPath: pki.caPath,
        snapshot: clientSnapshot({ version: `${caller}1`, ns, sa: caller, services: [
          { name: 'api', namespace: 'prod', port: 80, protocol: 'http', listenPort: l.http, endpointPort: ports.sHttp, identity: id },
          { name: 'rpc', namespace: 'prod', port: 90, protocol: 'grpc', listenPort: l.grpc, endpointPort: ports.sGrpc, identity: id },
          { name: 'echo', namespace: 'prod', port: 7, protocol: 'tcp', listenPort: l.tcp, endpointPort: ports.sTcp, identity: id },
        ] }),
      }));
      grpcClients.set(caller, new Echo(`127.0.0.1:${l.grpc}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, (...a: unknown[]) => unknown>);
    }
  });

  after(async () => {
    for (const c of grpcClients.values()) c.close();
    for (const c of clients.values()) await c.stop();
    await server?.stop();
    grpcApp?.forceShutdown();
    app?.closeAllConnections();
    await new Promise((r) => app?.close(r));
    await new Promise((r) => tcpApp?.close(r));
    await pki?.cleanup();
  });

  const http = (port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => void (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  const tcp = (port: number): Promise<'open' | 'closed'> => new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write('ping\n'));
    const t = setTimeout(() => {
      s.destroy();
      resolve('closed');
    }, 3000);
    s.on('data', (c: Buffer) => {
      if (c.toString().includes('ping')) {
        clearTimeout(t);
        s.destroy();
        resolve('open');
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(t);
      resolve('closed');
    });
  });

  const rpc = (caller: Caller, method: string): Promise<{ code: number; details: string }> => new Promise((resolve) => {
    grpcClients.get(caller)![method]!({ text: 'x', payload: Buffer.alloc(0) }, (e: grpc.ServiceError | null, _m: EchoMsg) => resolve(e ? { code: e.code, details: e.details } : { code: 0, details: '' }));
  });

  for (const row of table) {
    test(row.name, async () => {
      const mark = server.logs.length;
      const s = snap(row);
      await server.writeSnapshot(s);
      await server.waitForLog(`"version":"${String(s['version'])}"`, 5000, mark);
      for (const [caller, probe] of row.probes) {
        const l = listens.get(caller)!;
        const what = `${row.name}: ${caller} ${JSON.stringify(probe)}`;
        switch (probe.kind) {
          case 'http': {
            const r = await http(l.http, probe.method ?? 'GET', probe.path, probe.headers ?? {});
            assert.equal(r.status, probe.expect, what);
            if (probe.expect === 403) assert.match(r.body, row.names === undefined ? /RBAC: access denied/ : new RegExp(`RBAC: access denied by policy ${row.names}`), what);
            break;
          }
          case 'grpc': {
            const r = await rpc(caller, probe.method);
            assert.equal(r.code, probe.expect, `${what}: ${r.details}`);
            if (probe.expect === 7 && row.names !== undefined) assert.match(r.details, new RegExp(row.names), what);
            break;
          }
          case 'tcp':
            assert.equal(await tcp(l.tcp), probe.expect, what);
            break;
        }
      }
    });
  }

  test('every decision is counted on the server proxy', async () => {
    const text = (await server.admin('/metrics')).body;
    assert.match(text, /weft_proxy_authz_decisions_total\{[^}]*\} [1-9]/);
  });
});
