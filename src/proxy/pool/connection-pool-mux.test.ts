import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { createManualClock } from '../../core/clock.js';
import { createTestPki, type TestPki } from '../../../test/support/pki.js';
import { until, Waiter } from '../../../test/support/pool-waiter.js';
import { MuxSession, type MuxStream } from '../mux/index.js';
import { createConnectionPool, type ConnectionPool } from './connection-pool.js';
import type { UpstreamConnection, UpstreamUser } from './upstream-connection.js';
import { createTlsTarget } from './upstream-target.js';

const SERVER = 'spiffe://cluster.local/ns/b/sa/server';
const CLIENT = 'spiffe://cluster.local/ns/a/sa/client';

/** Collects what a leased connection reads (copied: the chunks are borrowed). */
class Reader implements UpstreamUser {
  text = '';
  closed = false;
  onUpstreamData(_conn: UpstreamConnection, chunk: Buffer): void {
    this.text += chunk.toString();
  }
  onUpstreamDrain(): void {}
  onUpstreamClose(): void {
    this.closed = true;
  }
}

describe('connection pool over weft-mux (mutual TLS)', () => {
  let pki: TestPki;
  let muxServer: TlsServer;
  let http1Server: TlsServer;
  let muxPort: number;
  let http1Port: number;
  const accepted: TLSSocket[] = [];
  const sessions: MuxSession[] = [];
  let context: ReturnType<typeof createSecureContext>;

  before(async () => {
    pki = await createTestPki();
    const sc = await pki.issue(SERVER);
    const cc = await pki.issue(CLIENT);
    const opts = { key: sc.keyPem, cert: sc.certPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' as const };
    // A peer that speaks weft-mux: every stream echoes what it reads.
    muxServer = createTlsServer({ ...opts, ALPNProtocols: ['weft-mux', 'weft-http1'] }, (s: TLSSocket) => {
      accepted.push(s);
      s.on('error', () => {});
      assert.equal(s.alpnProtocol, 'weft-mux');
      const m = new MuxSession(s, {
        role: 'server',
        onStream: (st: MuxStream) => {
          st.on('data', (c: Buffer) => st.write(c));
          st.on('error', () => {});
        },
      });
      sessions.push(m);
      s.on('data', (c: Buffer) => m.received(c));
    });
    // An older peer: one TLS connection per pooled connection.
    http1Server = createTlsServer({ ...opts, ALPNProtocols: ['weft-http1'] }, (s: TLSSocket) => {
      accepted.push(s);
      s.on('error', () => {});
      s.on('data', (c: Buffer) => s.write(c));
    });
    for (const srv of [muxServer, http1Server]) srv.on('tlsClientError', () => {});
    await new Promise<void>((r) => muxServer.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => http1Server.listen(0, '127.0.0.1', r));
    muxPort = (muxServer.address() as AddressInfo).port;
    http1Port = (http1Server.address() as AddressInfo).port;
    context = createSecureContext({ key: cc.keyPem, cert: cc.certPem, ca: pki.caPem, minVersion: 'TLSv1.3' });
  });
  after(async () => {
    for (const s of accepted) s.destroy();
    await new Promise((r) => muxServer.close(r));
    await new Promise((r) => http1Server.close(r));
    await pki.cleanup();
  });

  const muxPool = (): ConnectionPool =>
    createConnectionPool({
      clock: createManualClock(), idleTimeoutMs: 1_000, maxIdlePerKey: 8, maxConcurrentDials: 8, connectTimeoutMs: 2_000, sweepIntervalMs: 0,
      secureContext: () => context, alpn: 'weft-http1', mux: true,
    });

  it('serves concurrent acquires with streams of one TLS connection, each with the verified identity', async () => {
    const pool = muxPool();
    const t = createTlsTarget('127.0.0.1', muxPort, [SERVER]);
    const waiters = Array.from({ length: 5 }, () => new Waiter());
    for (const w of waiters) pool.acquire(t, w);
    await Promise.all(waiters.map((w) => w.done));
    const st = pool.stats();
    assert.equal(st.dials, 1, 'one handshake for five connections');
    assert.equal(st.muxDials, 1);
    assert.equal(st.muxStreams, 5);
    assert.equal(st.muxConnections, 1);
    const readers = waiters.map((w, i) => {
      assert.equal(w.error, undefined);
      const conn = w.conn!;
      assert.equal(conn.peerIdentity, SERVER);
      assert.notEqual(conn.mux, undefined);
      const r = new Reader();
      conn.user = r;
      conn.write(Buffer.from(`ping ${i}`));
      return r;
    });
    await until(() => readers.every((r, i) => r.text === `ping ${i}`), 'every stream echoed');
    // A released stream is pooled like a connection and reused as one.
    pool.release(waiters[0]!.conn!);
    const again = new Waiter();
    pool.acquire(t, again);
    assert.equal(again.conn, waiters[0]!.conn, 'the idle stream comes back, synchronously');
    assert.equal(pool.stats().muxStreams, 5);
    pool.close();
  });

  it('opens a new connection once the peer sends GOAWAY, and does not reuse the old streams', async () => {
    const pool = muxPool();
    const t = createTlsTarget('127.0.0.1', muxPort, [SERVER]);
    const sessionsBefore = sessions.length;
    const first = new Waiter();
    pool.acquire(t, first);
    await first.done;
    await until(() => sessions.length > sessionsBefore, 'the server took the connection');
    pool.release(first.conn!);
    sessions[sessionsBefore]!.retire();
    await until(() => pool.stats().muxConnections === 0, 'the pool drops the connection that said GOAWAY');
    const second = new Waiter();
    pool.acquire(t, second);
    await second.done;
    assert.notEqual(second.conn, first.conn);
    assert.equal(pool.stats().muxDials, 2);
    assert.equal(first.conn!.socket.destroyed, true, 'the idle stream of the retired connection is closed');
    pool.close();
  });

  it('falls back to one TLS connection per pooled connection with a peer that does not take weft-mux', async () => {
    const pool = muxPool();
    const t = createTlsTarget('127.0.0.1', http1Port, [SERVER]);
    const waiters = Array.from({ length: 3 }, () => new Waiter());
    for (const w of waiters) pool.acquire(t, w);
    await Promise.all(waiters.map((w) => w.done));
    for (const w of waiters) {
      assert.equal(w.error, undefined);
      assert.equal(w.conn?.mux, undefined);
      assert.equal(w.conn?.peerIdentity, SERVER);
    }
    const st = pool.stats();
    assert.equal(st.muxDials, 0);
    assert.equal(st.dials, 3, 'the waiters behind the first dial dial their own connections');
    const r = new Reader();
    waiters[1]!.conn!.user = r;
    waiters[1]!.conn!.write(Buffer.from('plain'));
    await until(() => r.text === 'plain', 'echo');
    pool.close();
  });

  it('keeps a mux connection without streams for the idle timeout: a later request opens a stream on it, no dial', async () => {
    const pool = muxPool();
    const t = createTlsTarget('127.0.0.1', muxPort, [SERVER]);
    const first = new Waiter();
    pool.acquire(t, first);
    await first.done;
    // The stream is not reusable (as after a request that failed): it closes, and with it the last stream.
    pool.discard(first.conn!);
    assert.equal((first.conn!.mux as MuxSession).streamCount, 0);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(pool.stats().muxConnections, 1, 'the empty connection is kept');
    const second = new Waiter();
    pool.acquire(t, second);
    await second.done;
    assert.equal(second.conn!.mux, first.conn!.mux, 'a new stream of the same connection');
    assert.equal(pool.stats().muxDials, 1, 'no handshake for it');
    pool.discard(second.conn!);
    await until(() => pool.stats().muxConnections === 0 && (second.conn!.mux as MuxSession).closed, 'closed after the idle timeout (1 s)');
    pool.close();
  });

  it('offers weft-mux again, a minute after a peer chose weft-http1 (a peer upgraded in place is noticed)', async () => {
    const clock = createManualClock();
    const pool = createConnectionPool({
      clock, idleTimeoutMs: 1_000, maxIdlePerKey: 8, maxConcurrentDials: 8, connectTimeoutMs: 2_000, sweepIntervalMs: 0,
      secureContext: () => context, alpn: 'weft-http1', mux: true,
    });
    let upgraded = false;
    const offered: string[][] = [];
    const peerSockets: TLSSocket[] = [];
    const conns: UpstreamConnection[] = [];
    const sc = await pki.issue(SERVER);
    const peer = createTlsServer({
      key: sc.keyPem, cert: sc.certPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3',
      ALPNCallback: ({ protocols }) => {
        offered.push(protocols);
        return upgraded && protocols.includes('weft-mux') ? 'weft-mux' : 'weft-http1';
      },
    }, (s: TLSSocket) => {
      peerSockets.push(s);
      s.on('error', () => {});
      if (s.alpnProtocol !== 'weft-mux') return void s.on('data', (c: Buffer) => s.write(c));
      const m = new MuxSession(s, { role: 'server', onStream: (st: MuxStream) => void (st.on('data', (c: Buffer) => st.write(c)), st.on('error', () => {})) });
      s.on('data', (c: Buffer) => m.received(c));
    });
    peer.on('tlsClientError', () => {});
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    try {
      const t = createTlsTarget('127.0.0.1', (peer.address() as AddressInfo).port, [SERVER]);
      const dialOnce = async (): Promise<UpstreamConnection> => {
        const w = new Waiter();
        pool.acquireFresh(t, w);
        await w.done;
        assert.equal(w.error, undefined);
        conns.push(w.conn!);
        return w.conn!;
      };
      assert.equal((await dialOnce()).mux, undefined, 'an older peer: weft-http1');
      upgraded = true;
      assert.equal((await dialOnce()).mux, undefined, 'within the minute, weft-mux is not offered');
      assert.deepEqual(offered[1], ['weft-http1']);
      clock.advance(60_000);
      assert.notEqual((await dialOnce()).mux, undefined, 'offered again after a minute, and taken');
      assert.deepEqual(offered[2], ['weft-mux', 'weft-http1']);
    } finally {
      // Client side first: the peer may not have seen the last handshake's end yet.
      for (const c of conns) pool.discard(c);
      pool.close();
      for (const x of peerSockets) x.destroy();
      await new Promise((r) => peer.close(r));
    }
  });

  it('fails every request waiting on a mux dial that fails', async () => {
    const pool = muxPool();
    const t = createTlsTarget('127.0.0.1', muxPort, ['spiffe://cluster.local/ns/b/sa/other']);
    const waiters = Array.from({ length: 3 }, () => new Waiter());
    for (const w of waiters) pool.acquire(t, w);
    await Promise.all(waiters.map((w) => w.done));
    for (const w of waiters) assert.equal(w.error?.code, 'WEFT_TLS_PEER_IDENTITY');
    assert.equal(pool.stats().dials, 1);
    pool.close();
  });
});
