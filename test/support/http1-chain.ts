/**
 * A two-proxy HTTP/1.1 chain on loopback for engine tests:
 *   client → outbound engine (plain listener) ══ pooled mTLS (weft-http1, or streams of weft-mux) ══► inbound engine → local app
 * The listeners here are minimal accept loops; the real ones belong to the proxy shell.
 */
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { createSystemClock } from '../../src/core/system-clock.js';
import { createSeededRandom } from '../../src/core/random.js';
import { compileAuthorization, type AuthzPolicyInput, type CompiledAuthorization } from '../../src/policy/authz/index.js';
import { createProxyMetrics, inboundEdgeLabels, outboundEdgeLabels, type EdgeMetrics, type ProxyMetrics } from '../../src/proxy/metrics/index.js';
import { createAccessLog, createSystemFlushTimers, createTraceIds, randomBytesFromRandom, type AccessLog } from '../../src/proxy/telemetry/index.js';
import { spiffeIdFromSubjectAltName } from '../../src/proxy/tls/subject-alt-name.js';
import { createConnectionPool, type ConnectionPool } from '../../src/proxy/pool/connection-pool.js';
import { MUX_ALPN, MuxSession } from '../../src/proxy/mux/index.js';
import { createHttp1Engine, type Http1Engine } from '../../src/proxy/http1/http1-engine.js';
import type { HttpAuthorizer, InboundConnection, RequestRecorder } from '../../src/proxy/http1/engine-types.js';
import { createHttpAuthorizer } from '../../src/proxy/http1/http-authorizer.js';
import { createOutboundServiceRuntime, type OutboundServiceRuntime } from '../../src/proxy/http1/outbound-service-runtime.js';
import type { OutboundService, WorkloadIdentity } from '../../src/proxy/snapshot/proxy-snapshot.js';
import { createTestPki, type TestPki } from './pki.js';

export const CLIENT_ID = 'spiffe://cluster.local/ns/a/sa/client';
export const SERVER_ID = 'spiffe://cluster.local/ns/b/sa/server';

const SERVER_WORKLOAD: WorkloadIdentity = { name: 'server', namespace: 'b', serviceAccount: 'server', spiffeId: SERVER_ID, labels: {} };
const CLIENT_WORKLOAD: WorkloadIdentity = { name: 'client', namespace: 'a', serviceAccount: 'client', spiffeId: CLIENT_ID, labels: {} };

/** Compiles policies for the server workload (mesh default ALLOW), failing loudly on a bad one. */
export function compilePolicies(policies: readonly AuthzPolicyInput[]): CompiledAuthorization {
  const r = compileAuthorization({ policies, defaultAction: 'ALLOW', trustDomain: 'cluster.local' });
  if (!r.ok) throw new Error(r.error.map((e) => e.message).join('; '));
  return r.value;
}

export const allowAll: CompiledAuthorization = compilePolicies([]);

export interface ChainOptions {
  /** SPIFFE IDs the client proxy accepts for the service (default: the server's). */
  readonly expectedIdentities?: readonly string[];
  /** No endpoints at all (for the 503 test). */
  readonly noEndpoints?: boolean;
  /** The app's handler; default `defaultApp`. */
  readonly app?: (req: IncomingMessage, res: ServerResponse) => void;
  /** A raw TCP app instead of node:http (for byte-exact upstream behaviour). */
  readonly rawApp?: (socket: Socket, index: number) => void;
  /** Idle timeout of the client-facing (outbound) engine's connections. */
  readonly serverIdleTimeoutMs?: number;
  /**
   * Between the engines, pooled connections are streams of one weft-mux connection (as between two
   * proxies) instead of one TLS connection each (as with a peer that does not take weft-mux).
   */
  readonly mux?: boolean;
}

/** The two transports between the engines, for suites that run over each. */
export const TRANSPORTS = [
  { name: 'weft-http1', mux: false },
  { name: 'weft-mux', mux: true },
] as const;

export interface Chain {
  readonly outboundPort: number;
  readonly inboundPort: number;
  readonly appPort: number;
  readonly app: HttpServer;
  readonly clientEngine: Http1Engine;
  readonly serverEngine: Http1Engine;
  readonly peerPool: ConnectionPool;
  readonly appPool: ConnectionPool;
  /** Client-side and server-side proxy metrics. */
  readonly clientMetrics: ProxyMetrics;
  readonly serverMetrics: ProxyMetrics;
  /** Access-log lines written by the server-side proxy (call `flushLog()` first). */
  readonly accessLines: string[];
  flushLog(): void;
  setAuthorizer(a: CompiledAuthorization): void;
  /** Sockets the app server accepted (to count upstream connections). */
  appConnections(): number;
  /** The server side's weft-mux connections, in the order they were accepted (with `mux`). */
  serverMuxSessions(): readonly MuxSession[];
  close(): Promise<void>;
}

/** The engine's recorder over a metrics edge (what the proxy shell does). */
function recorderOf(edge: EdgeMetrics): RequestRecorder {
  return { record: (status, ms, authz) => edge.recordRequest(status, -1, authz, ms / 1000) };
}

let sharedPki: TestPki | undefined;
async function pki(): Promise<TestPki> {
  sharedPki ??= await createTestPki();
  return sharedPki;
}

/** Releases the PKI's temp files (call in a top-level `after`). */
export async function cleanupChainPki(): Promise<void> {
  await sharedPki?.cleanup();
  sharedPki = undefined;
}

/** The default app: /echo returns the body's length, SHA-256 and the headers it saw; more routes below. */
export function defaultApp(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (url.startsWith('/download/')) {
    const n = Number(url.slice('/download/'.length));
    res.writeHead(200, { 'content-length': String(n), 'content-type': 'application/octet-stream' });
    const block = Buffer.alloc(64 * 1024, 0x61);
    let left = n;
    const pump = (): void => {
      while (left > 0) {
        const k = Math.min(left, block.length);
        left -= k;
        if (!res.write(k === block.length ? block : block.subarray(0, k))) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return;
  }
  if (url === '/status/204') {
    res.writeHead(204);
    res.end();
    return;
  }
  if (url === '/status/304') {
    res.writeHead(304, { etag: '"x"' });
    res.end();
    return;
  }
  if (url === '/reset') {
    req.socket.destroy();
    return;
  }
  if (url === '/chunked') {
    res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-sum' });
    for (let i = 0; i < 5; i++) res.write(`part-${i};`);
    res.addTrailers({ 'x-sum': 'done' });
    res.end();
    return;
  }
  const hash = createHash('sha256');
  let length = 0;
  req.on('data', (c: Buffer) => {
    length += c.length;
    hash.update(c);
  });
  req.on('end', () => {
    const body = Buffer.from(
      JSON.stringify({
        method: req.method,
        url,
        length,
        sha256: hash.digest('hex'),
        headers: req.headers,
        trailers: req.trailers,
        remotePort: req.socket.remotePort,
      }),
    );
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length), 'x-app': 'yes' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

async function listen(server: NetServer | TlsServer | HttpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function startChain(options: ChainOptions = {}): Promise<Chain> {
  const p = await pki();
  const clientCert = await p.issue(CLIENT_ID);
  const serverCert = await p.issue(SERVER_ID);
  const clock = createSystemClock();
  const clientMetrics = createProxyMetrics();
  const serverMetrics = createProxyMetrics();
  const accessLines: string[] = [];
  const accessLog: AccessLog = createAccessLog({ sink: { write: (chunk: Buffer) => accessLines.push(chunk.toString('utf8')) > 0 }, timers: createSystemFlushTimers() });

  // The local app, with WebSocket echo on /ws.
  const app = createHttpServer(options.app ?? defaultApp);
  const wss = new WebSocketServer({ server: app, path: '/ws' });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  const appSockets = new Set<Socket>();
  let appConnectionCount = 0;
  app.on('connection', (s: Socket) => {
    appConnectionCount++;
    appSockets.add(s);
    s.on('close', () => appSockets.delete(s));
  });
  let rawApp: NetServer | undefined;
  let appPort: number;
  if (options.rawApp !== undefined) {
    const handler = options.rawApp;
    rawApp = createNetServer((s) => {
      appConnectionCount++;
      appSockets.add(s);
      s.on('close', () => appSockets.delete(s));
      s.on('error', () => {});
      handler(s, appConnectionCount);
    });
    appPort = await listen(rawApp);
  } else {
    appPort = await listen(app);
  }

  // Server side: inbound engine behind an mTLS listener.
  const appPool = createConnectionPool({ clock, idleTimeoutMs: 4_000, maxIdlePerKey: 64, maxConcurrentDials: 64, connectTimeoutMs: 2_000 });
  const serverEngine = createHttp1Engine({
    clock,
    peerPool: appPool,
    appPool,
    ownIdentity: SERVER_ID,
    traceIds: createTraceIds(randomBytesFromRandom(createSeededRandom(2))),
    workload: SERVER_WORKLOAD,
  });
  const authorizerOf = (c: CompiledAuthorization): HttpAuthorizer => createHttpAuthorizer(c, (d) => serverMetrics.authzDecision(d.allowed, d.policy ?? ''));
  let authorizer: HttpAuthorizer = authorizerOf(allowAll);
  const tlsServer = createTlsServer({
    key: serverCert.keyPem,
    cert: serverCert.certPem,
    ca: p.caPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    ALPNProtocols: options.mux === true ? [MUX_ALPN, 'weft-http1'] : ['weft-http1'],
  });
  const inboundSockets = new Set<Socket>();
  const serverMuxSessions: MuxSession[] = [];
  tlsServer.on('secureConnection', (socket: TLSSocket) => {
    inboundSockets.add(socket);
    socket.on('close', () => inboundSockets.delete(socket));
    socket.on('error', () => {});
    const peerIdentity = spiffeIdFromSubjectAltName(socket.getPeerCertificate().subjectaltname);
    const conn: InboundConnection = {
      peerIdentity,
      peerAddress: socket.remoteAddress ?? '',
      destinationPort: 8080,
      appAddress: '127.0.0.1',
      appPort,
      authorizer: () => authorizer,
      recorder: recorderOf(serverMetrics.bindEdge(inboundEdgeLabels(SERVER_WORKLOAD, peerIdentity, 'http'))),
      accessLog,
    };
    if (socket.alpnProtocol === MUX_ALPN) {
      const mux = new MuxSession(socket, { role: 'server', onStream: (stream) => serverEngine.serveInbound(stream, Buffer.alloc(0), conn) });
      serverMuxSessions.push(mux);
      socket.on('data', (chunk: Buffer) => mux.received(chunk));
      return;
    }
    serverEngine.serveInbound(socket, Buffer.alloc(0), conn);
  });
  tlsServer.on('tlsClientError', () => {});
  const inboundPort = await listen(tlsServer);

  // Client side: outbound engine behind a plain listener.
  const clientContext = createSecureContext({ key: clientCert.keyPem, cert: clientCert.certPem, ca: p.caPem, minVersion: 'TLSv1.3' });
  const peerPool = createConnectionPool({
    clock,
    idleTimeoutMs: 30_000,
    maxIdlePerKey: 64,
    maxConcurrentDials: 16,
    connectTimeoutMs: 2_000,
    secureContext: () => clientContext,
    alpn: 'weft-http1',
    mux: options.mux === true,
    onTlsFailure: (reason) => clientMetrics.tlsHandshakeFailure('outbound', reason),
  });
  const clientEngine = createHttp1Engine({
    clock,
    peerPool,
    appPool: peerPool,
    ownIdentity: CLIENT_ID,
    traceIds: createTraceIds(randomBytesFromRandom(createSeededRandom(1))),
    ...(options.serverIdleTimeoutMs === undefined ? {} : { serverIdleTimeoutMs: options.serverIdleTimeoutMs }),
  });
  const service: OutboundService = {
    name: 'server',
    namespace: 'b',
    port: 80,
    protocol: 'http',
    hosts: ['server.b'],
    identities: options.expectedIdentities ?? [SERVER_ID],
    endpoints: options.noEndpoints === true ? [] : [{ address: '127.0.0.1', port: inboundPort, identity: SERVER_ID, ready: true }],
  };
  const runtime: OutboundServiceRuntime = createOutboundServiceRuntime(service, {
    recorder: recorderOf(clientMetrics.bindEdge(outboundEdgeLabels(CLIENT_WORKLOAD, service, 'http'))),
  });
  const outServer = createNetServer((socket) => {
    outSockets.add(socket);
    socket.on('close', () => outSockets.delete(socket));
    clientEngine.serveOutbound(socket, Buffer.alloc(0), runtime);
  });
  const outSockets = new Set<Socket>();
  const outboundPort = await listen(outServer);

  return {
    outboundPort,
    inboundPort,
    appPort,
    app,
    clientEngine,
    serverEngine,
    peerPool,
    appPool,
    clientMetrics,
    serverMetrics,
    accessLines,
    flushLog: () => accessLog.flush(),
    setAuthorizer(a) {
      authorizer = authorizerOf(a);
    },
    appConnections: () => appConnectionCount,
    serverMuxSessions: () => serverMuxSessions,
    async close() {
      for (const s of outSockets) s.destroy();
      for (const s of inboundSockets) s.destroy();
      for (const s of appSockets) s.destroy();
      peerPool.close();
      appPool.close();
      accessLog.close();
      wss.close();
      await Promise.all([
        new Promise((r) => outServer.close(r)),
        new Promise((r) => tlsServer.close(r)),
        new Promise((r) => (rawApp ?? app).close(r)),
      ]);
    },
  };
}
