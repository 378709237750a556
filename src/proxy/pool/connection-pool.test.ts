import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { createManualClock } from '../../core/clock.js';
import { createTestPki, type TestPki } from '../../../test/support/pki.js';
import { until, Waiter } from '../../../test/support/pool-waiter.js';
import { createConnectionPool, type ConnectionPool } from './connection-pool.js';
import type { UpstreamConnection } from './upstream-connection.js';
import { createPlainTarget, createTlsTarget, type UpstreamTarget } from './upstream-target.js';

async function get(pool: ConnectionPool, target: UpstreamTarget, fresh = false): Promise<Waiter> {
  const w = new Waiter();
  if (fresh) pool.acquireFresh(target, w);
  else pool.acquire(target, w);
  await withTimeout(w.done, 'acquire');
  return w;
}

async function withTimeout<T>(p: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

interface PlainServer {
  server: Server;
  port: number;
  sockets: Socket[];
}

async function plainServer(): Promise<PlainServer> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

function poolFor(clock = createManualClock(), extra: Partial<Parameters<typeof createConnectionPool>[0]> = {}): ConnectionPool {
  return createConnectionPool({ clock, idleTimeoutMs: 1_000, maxIdlePerKey: 2, maxConcurrentDials: 8, connectTimeoutMs: 2_000, sweepIntervalMs: 0, ...extra });
}

describe('connection pool (plaintext)', () => {
  let s: PlainServer;
  before(async () => {
    s = await plainServer();
  });
  after(async () => {
    for (const x of s.sockets) x.destroy();
    await new Promise((r) => s.server.close(r));
  });

  it('reuses released connections LIFO, synchronously', async () => {
    const pool = poolFor();
    const t = createPlainTarget('127.0.0.1', s.port);
    const a = (await get(pool, t)).conn!;
    const b = (await get(pool, t)).conn!;
    assert.notEqual(a, b);
    pool.release(a);
    pool.release(b);
    let got: UpstreamConnection | undefined;
    pool.acquire(t, { onPoolConnection: (c) => (got = c), onPoolError: () => assert.fail('no error expected') });
    assert.equal(got, b, 'the most recently released connection comes first');
    assert.equal(got.uses, 2);
    const st = pool.stats();
    assert.equal(st.dials, 2);
    assert.equal(st.reuses, 1);
    assert.equal(st.idle, 1);
    assert.equal(st.leased, 1);
    pool.close();
  });

  it('acquireFresh never takes an idle connection', async () => {
    const pool = poolFor();
    const t = createPlainTarget('127.0.0.1', s.port);
    const a = (await get(pool, t)).conn!;
    pool.release(a);
    const b = (await get(pool, t, true)).conn!;
    assert.notEqual(a, b);
    assert.equal(pool.stats().idle, 1);
    pool.close();
  });

  it('keeps at most maxIdlePerKey idle connections', async () => {
    const pool = poolFor();
    const t = createPlainTarget('127.0.0.1', s.port);
    const conns = [(await get(pool, t)).conn!, (await get(pool, t)).conn!, (await get(pool, t)).conn!];
    for (const c of conns) pool.release(c);
    assert.equal(pool.stats().idle, 2);
    assert.equal(conns[2]!.socket.destroyed, true);
    pool.close();
  });

  it('closes idle connections older than the idle timeout on sweep (manual clock)', async () => {
    const clock = createManualClock();
    const pool = poolFor(clock);
    const t = createPlainTarget('127.0.0.1', s.port);
    const a = (await get(pool, t)).conn!;
    const b = (await get(pool, t)).conn!;
    pool.release(a);
    clock.advance(600);
    pool.release(b);
    clock.advance(500);
    pool.sweep();
    assert.equal(a.socket.destroyed, true, 'older than 1 s: closed');
    assert.equal(b.socket.destroyed, false, 'idle for 0.5 s: kept');
    assert.equal(pool.stats().idle, 1);
    pool.close();
    assert.equal(b.socket.destroyed, true);
  });

  it('drops an idle connection the server closed, or that receives bytes', async () => {
    const pool = poolFor();
    const t = createPlainTarget('127.0.0.1', s.port);
    const before = s.sockets.length;
    const a = (await get(pool, t)).conn!;
    const b = (await get(pool, t)).conn!;
    await until(() => s.sockets.length === before + 2, 'server accepted');
    pool.release(a);
    pool.release(b);
    assert.equal(pool.stats().idle, 2);
    s.sockets[before]!.end();
    s.sockets[before + 1]!.write('unsolicited');
    await until(() => pool.stats().idle === 0, 'both dropped');
    assert.equal(a.dead && b.dead, true);
    pool.close();
  });

  it('reports a refused connection as WEFT_PROXY_UPSTREAM_CONNECT', async () => {
    const closed = await plainServer();
    await new Promise((r) => closed.server.close(r));
    const pool = poolFor();
    const w = await get(pool, createPlainTarget('127.0.0.1', closed.port));
    assert.equal(w.error?.code, 'WEFT_PROXY_UPSTREAM_CONNECT');
    assert.match(w.error.message, /ECONNREFUSED/);
    assert.equal(pool.stats().dialFailures, 1);
    pool.close();
  });

  it('caps concurrent dials and serves queued waiters as dials finish', async () => {
    const pool = poolFor(createManualClock(), { maxConcurrentDials: 1 });
    const t = createPlainTarget('127.0.0.1', s.port);
    const ws = [new Waiter(), new Waiter(), new Waiter()];
    for (const w of ws) pool.acquire(t, w);
    assert.equal(pool.stats().dialing, 1);
    assert.equal(pool.stats().queued, 2);
    await withTimeout(Promise.all(ws.map((w) => w.done)), 'all served');
    assert.ok(ws.every((w) => w.conn !== undefined));
    assert.equal(pool.stats().dials, 3);
    pool.close();
  });

  it('discard closes a leased connection and keeps the counts right', async () => {
    const pool = poolFor();
    const t = createPlainTarget('127.0.0.1', s.port);
    const a = (await get(pool, t)).conn!;
    pool.discard(a);
    pool.discard(a);
    pool.release(a);
    assert.equal(a.socket.destroyed, true);
    assert.equal(pool.stats().leased, 0);
    assert.equal(pool.stats().idle, 0);
    pool.close();
  });
});

describe('connection pool (mutual TLS)', () => {
  const SERVER = 'spiffe://cluster.local/ns/b/sa/server';
  const CLIENT = 'spiffe://cluster.local/ns/a/sa/client';
  let pki: TestPki;
  let server: TlsServer;
  let h2only: TlsServer;
  let port: number;
  let h2port: number;
  const peers: string[] = [];
  const accepted: TLSSocket[] = [];
  let context: ReturnType<typeof createSecureContext>;

  before(async () => {
    pki = await createTestPki();
    const sc = await pki.issue(SERVER);
    const cc = await pki.issue(CLIENT);
    const opts = { key: sc.keyPem, cert: sc.certPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' as const };
    server = createTlsServer({ ...opts, ALPNProtocols: ['weft-http1'] }, (s: TLSSocket) => {
      peers.push(s.getPeerCertificate().subjectaltname ?? '');
      accepted.push(s);
      s.on('error', () => {});
    });
    h2only = createTlsServer({ ...opts, ALPNProtocols: ['h2'] }, (s) => {
      accepted.push(s);
      s.on('error', () => {});
    });
    server.on('tlsClientError', () => {});
    h2only.on('tlsClientError', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => h2only.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    h2port = (h2only.address() as AddressInfo).port;
    context = createSecureContext({ key: cc.keyPem, cert: cc.certPem, ca: pki.caPem, minVersion: 'TLSv1.3' });
  });
  after(async () => {
    for (const s of accepted) s.destroy();
    await new Promise((r) => server.close(r));
    await new Promise((r) => h2only.close(r));
    await pki.cleanup();
  });

  const tlsPool = (): ConnectionPool => poolFor(createManualClock(), { secureContext: () => context, alpn: 'weft-http1' });

  it('checks the server SPIFFE ID, presents the client certificate, and resumes sessions', async () => {
    const pool = tlsPool();
    const t = createTlsTarget('127.0.0.1', port, [SERVER]);
    const a = await get(pool, t);
    assert.equal(a.error, undefined);
    assert.equal(a.conn?.peerIdentity, SERVER);
    await until(() => peers.length > 0, 'server saw the client');
    assert.match(peers[0]!, /URI:spiffe:\/\/cluster.local\/ns\/a\/sa\/client/);
    // TLS 1.3 tickets arrive after the handshake; wait for one, then a fresh dial resumes.
    await until(() => pool.stats().cachedSessions > 0, 'session ticket');
    const b = await get(pool, t, true);
    assert.equal(b.conn?.peerIdentity, SERVER);
    assert.equal(pool.stats().resumedSessions, 1);
    pool.close();
  });

  it('never resumes a session once the server certificate it was made with has expired', async () => {
    const serverCert = await pki.issue(SERVER);
    const clock = createManualClock(Date.now());
    const pool = poolFor(clock, { secureContext: () => context, alpn: 'weft-http1' });
    const t = createTlsTarget('127.0.0.1', port, [SERVER]);
    await get(pool, t);
    await until(() => pool.stats().cachedSessions > 0, 'session ticket');
    await get(pool, t, true);
    assert.equal(pool.stats().resumedSessions, 1, 'resumes while the certificate is valid');
    await until(() => pool.stats().cachedSessions > 0, 'session ticket');
    // The server's certificate (same lifetime as the one it serves) has run out on the pool's clock.
    clock.set(serverCert.notAfter + 1);
    const late = await get(pool, t, true);
    // On the pool's clock the certificates have run out: the connection is refused as expired (it
    // must not outlive them), after a full handshake, not a resumption (the error says which).
    assert.equal(late.error?.code, 'WEFT_TLS_HANDSHAKE');
    assert.match(late.error.message, /certificate expired/);
    assert.doesNotMatch(late.error.message, /resumed session/, 'a full handshake, not a resumption');
    assert.equal(pool.stats().resumedSessions, 1);
    pool.close();
  });

  it('a rotated client certificate applies to new connections, without resuming old sessions', async () => {
    const rotated = await pki.issue('spiffe://cluster.local/ns/a/sa/client-rotated');
    let current = context;
    const pool = poolFor(createManualClock(), { secureContext: () => current, alpn: 'weft-http1' });
    const t = createTlsTarget('127.0.0.1', port, [SERVER]);
    const first = (await get(pool, t)).conn!;
    await until(() => pool.stats().cachedSessions > 0, 'session ticket');
    current = createSecureContext({ key: rotated.keyPem, cert: rotated.certPem, ca: pki.caPem, minVersion: 'TLSv1.3' });
    const seen = peers.length;
    const second = (await get(pool, t, true)).conn!;
    await until(() => peers.length > seen, 'server saw the new connection');
    assert.match(peers[peers.length - 1]!, /client-rotated/);
    assert.equal(pool.stats().resumedSessions, 0);
    assert.equal(first.socket.destroyed, false, 'the old connection is kept');
    assert.equal(second.peerIdentity, SERVER);
    pool.close();
  });

  it('refuses a server whose SPIFFE ID is not expected (WEFT_TLS_PEER_IDENTITY)', async () => {
    const pool = tlsPool();
    const w = await get(pool, createTlsTarget('127.0.0.1', port, ['spiffe://cluster.local/ns/b/sa/other']));
    assert.equal(w.error?.code, 'WEFT_TLS_PEER_IDENTITY');
    assert.match(w.error.message, /upstream identity mismatch: 127\.0\.0\.1:\d+ presented spiffe:\/\/cluster.local\/ns\/b\/sa\/server, expected spiffe:\/\/cluster.local\/ns\/b\/sa\/other/);
    pool.close();
  });

  it('refuses a server that does not speak weft-http1 (WEFT_TLS_HANDSHAKE)', async () => {
    const pool = tlsPool();
    const w = await get(pool, createTlsTarget('127.0.0.1', h2port, [SERVER]));
    assert.equal(w.error?.code, 'WEFT_TLS_HANDSHAKE');
    pool.close();
  });

  it('says not ready without a client certificate', async () => {
    const pool = poolFor();
    const w = await get(pool, createTlsTarget('127.0.0.1', port, [SERVER]));
    assert.equal(w.error?.code, 'WEFT_PROXY_NOT_READY');
    pool.close();
  });
});
