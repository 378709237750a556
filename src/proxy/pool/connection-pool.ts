/**
 * A LIFO pool of keep-alive upstream connections, one idle stack per target key (peer proxy
 * endpoint + accepted identity set over mutual TLS, or the local application's address:port in
 * plaintext). Performance note §3.3/§5.4: a new mTLS connection costs as much CPU as 30–100 pooled
 * requests, so the pool keeps connections hot (LIFO), builds no SecureContext itself (it is passed
 * in, rebuilt once per certificate rotation), resumes TLS sessions, caps concurrent handshakes so a
 * reconnect storm degrades gracefully, and ages idle connections out below the peer's own idle
 * timeout so a request rarely races a server-side close.
 *
 * Callbacks go to long-lived objects (`PoolWaiter`), not closures, so a pooled lease allocates
 * nothing.
 */
import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import type { Clock } from '../../core/clock.js';
import { weftError, type WeftError } from '../../core/errors.js';
import { spiffeIdFromSubjectAltName } from '../tls/subject-alt-name.js';
import { classifyTlsError, type TlsFailureReason } from '../tls/tls-errors.js';
import { MUX_ALPN, MuxSession } from '../mux/index.js';
import { onBorrowedRead, setBorrowedReader, UpstreamConnection, type UpstreamOwner } from './upstream-connection.js';
import { armMuxExpiry, armUpstreamExpiry, upstreamDeadline } from './upstream-expiry.js';
import { expiredAtConnect } from '../tls/connection-expiry.js';
import type { UpstreamTarget } from './upstream-target.js';

/** Who waits for a connection. Exactly one of the two methods is called, once per acquire. */
export interface PoolWaiter {
  onPoolConnection(conn: UpstreamConnection): void;
  onPoolError(error: WeftError): void;
}

export interface ConnectionPoolOptions {
  readonly clock: Clock;
  /** Idle connections older than this are closed. Keep it below the server's own idle timeout. */
  readonly idleTimeoutMs: number;
  /** At most this many idle connections per key; more are closed on release. */
  readonly maxIdlePerKey: number;
  /** At most this many connects/handshakes in flight per pool; further acquires queue. */
  readonly maxConcurrentDials: number;
  readonly connectTimeoutMs: number;
  /** The current client SecureContext (our certificate + the mesh CA), needed for TLS targets. */
  readonly secureContext?: () => SecureContext;
  /** ALPN protocol offered to TLS targets; the server must select it (or `weft-mux`, see `mux`). */
  readonly alpn?: string;
  /**
   * Offer `weft-mux` before `alpn` to TLS targets: where the peer proxy takes it, one mTLS connection
   * per peer carries every pooled connection as a stream (src/proxy/mux), and new pooled connections
   * to that peer are streams opened without a handshake. A peer that picks `alpn` gets one TLS
   * connection per pooled connection, as without this option.
   */
  readonly mux?: boolean;
  /** A mux connection broke the protocol (it is closed). */
  readonly onMuxProtocolError?: (reason: string, peer: string) => void;
  /** Told of every failed TLS handshake with its reason (e.g. `metrics.tlsHandshakeFailure('outbound', reason)`). */
  readonly onTlsFailure?: (reason: TlsFailureReason) => void;
  /** How often idle connections are swept; 0 = no timer (tests call `sweep()`). */
  readonly sweepIntervalMs?: number;
}

export interface ConnectionPoolStats {
  readonly idle: number;
  readonly leased: number;
  readonly dialing: number;
  readonly queued: number;
  readonly dials: number;
  readonly dialFailures: number;
  readonly reuses: number;
  readonly resumedSessions: number;
  /** TLS sessions held for resumption (one per target key). */
  readonly cachedSessions: number;
  /** Open mux connections taking new streams, mux connections dialed, and streams opened on them. */
  readonly muxConnections: number;
  readonly muxDials: number;
  readonly muxStreams: number;
}

export interface ConnectionPool {
  /** A connection for `target`: an idle one (synchronously) or a new one. */
  acquire(target: UpstreamTarget, waiter: PoolWaiter): void;
  /** A new connection, never an idle one (the retry after a stale keep-alive connection failed). */
  acquireFresh(target: UpstreamTarget, waiter: PoolWaiter): void;
  /** Give back a connection whose last response ended exactly at a message boundary. */
  release(conn: UpstreamConnection): void;
  /** A leased connection that must not be reused (partial message, error, close): closes it. */
  discard(conn: UpstreamConnection): void;
  /** Close idle connections older than the idle timeout. */
  sweep(): void;
  /** Close every idle connection and stop the sweep timer; leased connections close when their users finish. */
  close(): void;
  stats(): ConnectionPoolStats;
}

/** peer idle timeout 30 s: below the inbound side's 60 s server idle timeout (`defaultServerIdleTimeoutMs`). */
export const defaultPeerPoolIdleTimeoutMs = 30_000;
/** app idle timeout 4 s: below Node's http.Server keepAliveTimeout default of 5 s, the most common local app. */
export const defaultAppPoolIdleTimeoutMs = 4_000;

export function createConnectionPool(options: ConnectionPoolOptions): ConnectionPool {
  return new Pool(options);
}

const DIAL_CONNECT = 0;
const DIAL_SECURE = 1;

/** A cached TLS session and the server identity verified when it was first established. */
interface CachedSession {
  readonly session: Buffer;
  readonly identity: string;
  /**
   * The server certificate's notAfter (epoch ms) from the full handshake. A resumed handshake shows
   * no certificate and skips its verification, so the session is never offered at or after this time:
   * a peer whose certificate ran out (its token revoked) must not be reached by resumption.
   */
  readonly notAfter: number;
}

/** A certificate's notAfter in epoch ms; 0 (never resume) when it cannot be read. */
function notAfterOf(cert: PeerCertificate): number {
  const t = Date.parse(cert.valid_to);
  return Number.isFinite(t) ? t : 0;
}

/** A mux connection to a peer proxy, and the identity its certificate proved. */
interface MuxPeer {
  readonly session: MuxSession;
  readonly identity: string | undefined;
}

interface Queued {
  readonly target: UpstreamTarget;
  readonly waiter: PoolWaiter;
}

/**
 * Size of the read buffer shared by all connections of a pool, plaintext and TLS (`onread`: reads are
 * handled synchronously, so one buffer serves every socket; TLS hands over decrypted bytes in it).
 */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * A peer that chose weft-http1 is offered weft-mux again after this long. The offer costs nothing
 * with an older peer (it picks weft-http1 again); meanwhile concurrent dials to it do not wait for
 * each other's ALPN answer.
 */
const NO_MUX_RECHECK_MS = 60_000;

class Pool implements ConnectionPool, UpstreamOwner {
  /** Every socket of the pool reads into this one buffer (`onread`): no Buffer per read. See `UpstreamUser.onUpstreamData`. */
  private readBuffer: Buffer | undefined = undefined;
  private readonly idle = new Map<string, UpstreamConnection[]>();
  private readonly queue: Queued[] = [];
  private readonly sessions = new Map<string, CachedSession>();
  private sessionContext: SecureContext | undefined = undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;
  dialing = 0;
  private idleCount = 0;
  leased = 0;
  dials = 0;
  dialFailures = 0;
  reuses = 0;
  resumedSessions = 0;
  /** Usable mux connections by target key. */
  private readonly muxPeers = new Map<string, MuxPeer>();
  /** Keys with a dial in flight that may come back as a mux connection, and who waits for it. */
  private readonly muxWaiting = new Map<string, PoolWaiter[]>();
  /**
   * Keys whose peer chose one TLS connection per pooled connection (an older proxy), with when
   * (monotonic ms) to offer weft-mux again: a peer upgraded in place is noticed by then.
   */
  private readonly noMux = new Map<string, number>();
  muxDials = 0;
  muxStreams = 0;

  constructor(readonly options: ConnectionPoolOptions) {
    const every = options.sweepIntervalMs ?? Math.max(250, Math.floor(options.idleTimeoutMs / 4));
    if (every > 0) {
      this.timer = setInterval(() => this.sweep(), every);
      this.timer.unref();
    }
  }

  acquire(target: UpstreamTarget, waiter: PoolWaiter): void {
    const stack = this.idle.get(target.key);
    if (stack !== undefined) {
      let conn = stack.pop();
      while (conn !== undefined) {
        this.idleCount--;
        if (!conn.dead && (conn.mux === undefined || conn.mux.usable)) {
          conn.uses++;
          conn.leased = true;
          this.reuses++;
          this.leased++;
          waiter.onPoolConnection(conn);
          return;
        }
        if (!conn.dead) conn.destroy(); // a stream of a mux connection that takes no new streams
        conn = stack.pop();
      }
    }
    this.acquireFresh(target, waiter);
  }

  acquireFresh(target: UpstreamTarget, waiter: PoolWaiter): void {
    if (this.closed) {
      waiter.onPoolError(weftError('WEFT_PROXY_DRAINING', 'the connection pool is closed', target.label));
      return;
    }
    if (this.muxWanted(target)) {
      const peer = this.muxPeers.get(target.key);
      if (peer !== undefined && peer.session.usable) {
        this.leaseStream(peer, target, waiter);
        return;
      }
      // A dial to this peer is in flight: its mux connection (if it is one) serves this request too.
      const waiting = this.muxWaiting.get(target.key);
      if (waiting !== undefined) {
        waiting.push(waiter);
        return;
      }
    }
    if (this.dialing >= this.options.maxConcurrentDials) {
      this.queue.push({ target, waiter });
      return;
    }
    this.dial(target, waiter);
  }

  release(conn: UpstreamConnection): void {
    if (!conn.leased) return;
    conn.leased = false;
    conn.user = undefined;
    this.leased--;
    if (conn.dead || conn.retired || this.closed || (conn.mux !== undefined && !conn.mux.usable)) {
      conn.destroy();
      return;
    }
    // A request queued behind the handshake cap for this key takes it directly.
    for (let i = 0; i < this.queue.length; i++) {
      const q = this.queue[i];
      if (q !== undefined && q.target.key === conn.key) {
        this.queue.splice(i, 1);
        conn.uses++;
        conn.leased = true;
        this.reuses++;
        this.leased++;
        q.waiter.onPoolConnection(conn);
        return;
      }
    }
    let stack = this.idle.get(conn.key);
    if (stack === undefined) {
      stack = [];
      this.idle.set(conn.key, stack);
    }
    if (stack.length >= this.options.maxIdlePerKey) {
      conn.destroy();
      return;
    }
    conn.idleSince = this.options.clock.monotonic();
    stack.push(conn);
    this.idleCount++;
  }

  discard(conn: UpstreamConnection): void {
    if (!conn.leased) return;
    conn.leased = false;
    conn.user = undefined;
    this.leased--;
    conn.destroy();
  }

  onIdleClosed(conn: UpstreamConnection): void {
    const stack = this.idle.get(conn.key);
    if (stack === undefined) return;
    const i = stack.indexOf(conn);
    if (i >= 0) {
      stack.splice(i, 1);
      this.idleCount--;
    }
  }

  sweep(): void {
    const limit = this.options.clock.monotonic() - this.options.idleTimeoutMs;
    for (const [key, stack] of this.idle) {
      // LIFO: the oldest idle connections are at the bottom.
      let n = 0;
      while (n < stack.length && (stack[n] as UpstreamConnection).idleSince <= limit) n++;
      if (n > 0) {
        const old = stack.splice(0, n);
        this.idleCount -= n;
        for (const c of old) c.destroy();
      }
      if (stack.length === 0) this.idle.delete(key);
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const stack of this.idle.values()) {
      const all = stack.splice(0);
      for (const c of all) c.destroy();
    }
    this.idle.clear();
    this.idleCount = 0;
    // Mux connections close once their leased streams are done.
    for (const peer of [...this.muxPeers.values()]) peer.session.retire();
    this.muxPeers.clear();
    const waiting = this.queue.splice(0);
    for (const q of waiting) q.waiter.onPoolError(weftError('WEFT_PROXY_DRAINING', 'the connection pool is closed', q.target.label));
  }

  stats(): ConnectionPoolStats {
    return {
      idle: this.idleCount,
      leased: this.leased,
      dialing: this.dialing,
      queued: this.queue.length,
      dials: this.dials,
      dialFailures: this.dialFailures,
      reuses: this.reuses,
      resumedSessions: this.resumedSessions,
      cachedSessions: this.sessions.size,
      muxConnections: this.muxPeers.size,
      muxDials: this.muxDials,
      muxStreams: this.muxStreams,
    };
  }

  private muxWanted(target: UpstreamTarget): boolean {
    if (this.options.mux !== true || target.identities === undefined) return false;
    const until = this.noMux.get(target.key);
    if (until === undefined) return true;
    if (this.options.clock.monotonic() < until) return false;
    this.noMux.delete(target.key);
    return true;
  }

  /** A new stream on `peer`'s mux connection, leased as a fresh pooled connection. */
  private leaseStream(peer: MuxPeer, target: UpstreamTarget, waiter: PoolWaiter): void {
    const stream = peer.session.openStream();
    if (stream === undefined) {
      this.muxPeers.delete(target.key);
      this.acquireFresh(target, waiter);
      return;
    }
    const conn = new UpstreamConnection(stream, target.key, this, undefined);
    conn.peerIdentity = peer.identity;
    conn.mux = peer.session;
    this.muxStreams++;
    this.leaseNew(conn, waiter);
  }

  /** A connection (or stream) just made goes to its first user. */
  private leaseNew(conn: UpstreamConnection, waiter: PoolWaiter): void {
    conn.uses = 1;
    conn.leased = true;
    this.leased++;
    waiter.onPoolConnection(conn);
  }

  /** A dial came back with `weft-mux`: the connection serves its waiter and everyone waiting on it. */
  muxDialed(socket: TLSSocket, target: UpstreamTarget, waiter: PoolWaiter, identity: string | undefined, deadline: number | undefined, resumed: boolean): void {
    const key = target.key;
    const forget = (session: MuxSession): void => {
      if (this.muxPeers.get(key)?.session === session) this.muxPeers.delete(key);
    };
    const session = new MuxSession(socket, {
      role: 'client',
      // Kept without streams as long as an idle connection would be (the peer's own is longer).
      idleTimeoutMs: this.options.idleTimeoutMs,
      onUnusable: forget,
      onClose: forget,
      onProtocolError: (reason) => this.options.onMuxProtocolError?.(reason, target.label),
    });
    setBorrowedReader(socket, session);
    armMuxExpiry(session, socket, deadline, this.options.clock);
    const peer: MuxPeer = { session, identity };
    if (!this.closed) this.muxPeers.set(key, peer);
    this.muxDials++;
    if (resumed) this.resumedSessions++;
    const waiting = this.muxWaiting.get(key) ?? [];
    this.muxWaiting.delete(key);
    this.dialDone();
    this.leaseStream(peer, target, waiter);
    for (const w of waiting) this.acquireFresh(target, w);
    if (this.closed) session.retire();
  }

  /** A dial offering mux came back with one TLS connection per pooled connection: waiters dial their own. */
  muxRefused(target: UpstreamTarget): void {
    this.noMux.set(target.key, this.options.clock.monotonic() + NO_MUX_RECHECK_MS);
    const waiting = this.muxWaiting.get(target.key);
    this.muxWaiting.delete(target.key);
    if (waiting !== undefined) for (const w of waiting) this.acquireFresh(target, w);
  }

  private dial(target: UpstreamTarget, waiter: PoolWaiter): void {
    this.dialing++;
    this.dials++;
    this.readBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
    const onread = { buffer: this.readBuffer, callback: onBorrowedRead };
    if (target.identities === undefined) {
      const socket = netConnect({ host: target.address, port: target.port, noDelay: true, onread });
      new Dial(this, target, waiter, socket, undefined);
      return;
    }
    const getContext = this.options.secureContext;
    if (getContext === undefined) {
      this.dialDone();
      this.dialFailures++;
      waiter.onPoolError(weftError('WEFT_PROXY_NOT_READY', 'no client certificate for mutual TLS yet', target.label));
      return;
    }
    const secureContext = getContext();
    const offerMux = this.muxWanted(target);
    if (offerMux && !this.muxWaiting.has(target.key)) this.muxWaiting.set(target.key, []);
    if (secureContext !== this.sessionContext) {
      // A new certificate: sessions made under the old one would resume the old identity.
      this.sessions.clear();
      this.sessionContext = secureContext;
    }
    let cached = this.sessions.get(target.key);
    if (cached !== undefined && this.options.clock.now() >= cached.notAfter) {
      this.sessions.delete(target.key);
      cached = undefined;
    }
    const identities = target.identities;
    // `onread` is documented for tls.connect (Node ≥ 14.17) but missing from @types/node's ConnectionOptions.
    const tlsOptions: ConnectionOptions & { readonly onread: OnReadOpts } = {
      host: target.address,
      port: target.port,
      secureContext,
      minVersion: 'TLSv1.3',
      ALPNProtocols: [...(offerMux ? [MUX_ALPN] : []), ...(this.options.alpn === undefined ? [] : [this.options.alpn])],
      rejectUnauthorized: true,
      ...(cached === undefined ? {} : { session: cached.session }),
      checkServerIdentity: (_host: string, cert: PeerCertificate) => checkSpiffe(identities, cert, target.label),
      // Decrypted bytes straight into the shared buffer, as for plaintext: no Buffer per read and no
      // Readable push, 'data' event and nextTick per response (perf profile at 1,000 req/s).
      onread,
    };
    const socket = tlsConnect(tlsOptions);
    const key = target.key;
    socket.on('session', (session: Buffer) => {
      // A resumed handshake skips the certificate check: the identity is the one verified when the
      // session was first made (sessions are kept per key, i.e. per accepted identity set).
      const reused = socket.isSessionReused();
      const identity = reused ? cached?.identity : acceptedIdentity(identities, socket.getPeerCertificate());
      const notAfter = reused ? cached?.notAfter : notAfterOf(socket.getPeerCertificate());
      if (identity !== undefined && notAfter !== undefined && this.sessionContext === secureContext) this.sessions.set(key, { session, identity, notAfter });
    });
    socket.setNoDelay(true);
    new Dial(this, target, waiter, socket, cached?.identity, cached?.notAfter);
  }

  /** Called by a finished dial (success or failure): frees a handshake slot and starts queued ones. */
  dialDone(): void {
    this.dialing--;
    while (this.dialing < this.options.maxConcurrentDials && this.queue.length > 0) {
      const q = this.queue.shift() as Queued;
      this.acquire(q.target, q.waiter);
    }
  }

  dialed(conn: UpstreamConnection, waiter: PoolWaiter, resumed: boolean): void {
    if (resumed) this.resumedSessions++;
    this.dialDone();
    this.leaseNew(conn, waiter);
  }

  dialFailed(target: UpstreamTarget, waiter: PoolWaiter, error: WeftError): void {
    this.dialFailures++;
    const waiting = this.muxWaiting.get(target.key);
    this.muxWaiting.delete(target.key);
    this.dialDone();
    waiter.onPoolError(error);
    if (waiting !== undefined) for (const w of waiting) w.onPoolError(error);
  }
}

class PeerIdentityError extends Error {
  readonly code = 'WEFT_TLS_PEER_IDENTITY';
  readonly peer: string;
  constructor(message: string, peer: string) {
    super(message);
    this.peer = peer;
  }
}

function acceptedIdentity(accepted: ReadonlySet<string>, cert: PeerCertificate): string | undefined {
  const id = spiffeIdFromSubjectAltName(cert.subjectaltname);
  return id !== undefined && accepted.has(id) ? id : undefined;
}

function checkSpiffe(accepted: ReadonlySet<string>, cert: PeerCertificate, label: string): Error | undefined {
  const id = spiffeIdFromSubjectAltName(cert.subjectaltname);
  if (id !== undefined && accepted.has(id)) return undefined;
  const got = id ?? 'no single valid SPIFFE ID';
  return new PeerIdentityError(`upstream identity mismatch: ${label} presented ${got}, expected ${accepted.size === 0 ? '(no identity configured)' : [...accepted].join(' or ')}`, id ?? '');
}

/** One connect (+ handshake) in flight; turns into an `UpstreamConnection` or an error value. */
class Dial {
  private stage = DIAL_CONNECT;
  private finished = false;
  private readonly tls: boolean;
  /** When the connection must end (TLS; see upstream-expiry.ts). */
  private deadline: number | undefined = undefined;

  constructor(
    private readonly pool: Pool,
    private readonly target: UpstreamTarget,
    private readonly waiter: PoolWaiter,
    private readonly socket: Socket,
    /** For TLS dials offering a cached session: the identity verified when it was made. */
    private readonly resumedIdentity: string | undefined,
    /** …and the server certificate's expiry stored with it. */
    private readonly resumedNotAfter?: number,
  ) {
    this.tls = target.identities !== undefined;
    socket.setTimeout(pool.options.connectTimeoutMs, this.onTimeout);
    socket.once('connect', this.onConnect);
    if (this.tls) socket.once('secureConnect', this.onSecure);
    socket.on('error', this.onError);
    socket.once('close', this.onClose);
  }

  private readonly onConnect = (): void => {
    if (this.tls) {
      this.stage = DIAL_SECURE;
      return;
    }
    this.succeed();
  };

  private readonly onSecure = (): void => {
    const s = this.socket as TLSSocket;
    const want = this.pool.options.alpn;
    const mux = this.pool.options.mux === true && s.alpnProtocol === MUX_ALPN;
    if (!mux && want !== undefined && s.alpnProtocol !== want) {
      this.fail(weftError('WEFT_TLS_HANDSHAKE', `upstream did not accept ALPN ${want}`, this.target.label));
      return;
    }
    this.deadline = upstreamDeadline(s, this.resumedNotAfter);
    const expired = expiredAtConnect(this.deadline, this.pool.options.clock.now());
    if (expired !== undefined) {
      this.pool.options.onTlsFailure?.('expired');
      this.fail(weftError('WEFT_TLS_HANDSHAKE', `TLS handshake with ${this.target.label} failed: ${expired.message}${s.isSessionReused() ? ' (resumed session)' : ''}`, this.target.label));
      return;
    }
    if (mux) {
      this.finished = true;
      this.cleanup();
      const resumed = s.isSessionReused();
      const identity = resumed ? this.resumedIdentity : acceptedIdentity(this.target.identities as ReadonlySet<string>, s.getPeerCertificate());
      this.pool.muxDialed(s, this.target, this.waiter, identity, this.deadline, resumed);
      return;
    }
    if (this.pool.options.mux === true) this.pool.muxRefused(this.target);
    this.succeed();
  };

  private succeed(): void {
    if (this.finished) return;
    this.finished = true;
    this.cleanup();
    const conn = new UpstreamConnection(this.socket, this.target.key, this.pool, this.socket);
    if (this.tls) {
      const s = this.socket as TLSSocket;
      const resumed = s.isSessionReused();
      conn.peerIdentity = resumed ? this.resumedIdentity : acceptedIdentity(this.target.identities as ReadonlySet<string>, s.getPeerCertificate());
      armUpstreamExpiry(conn, s, this.deadline, this.pool.options.clock);
      this.pool.dialed(conn, this.waiter, resumed);
    } else {
      this.pool.dialed(conn, this.waiter, false);
    }
  }

  private readonly onError = (error: Error): void => {
    const label = this.target.label;
    if (error instanceof PeerIdentityError) {
      this.pool.options.onTlsFailure?.('bad_identity');
      this.fail(weftError('WEFT_TLS_PEER_IDENTITY', error.message, label));
    } else if (this.stage === DIAL_SECURE) {
      this.pool.options.onTlsFailure?.(classifyTlsError(error, this.socket as TLSSocket));
      this.fail(weftError('WEFT_TLS_HANDSHAKE', `TLS handshake with ${label} failed: ${error.message}`, label));
    } else this.fail(weftError('WEFT_PROXY_UPSTREAM_CONNECT', `cannot connect to ${label}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, label));
  };

  private readonly onTimeout = (): void => {
    this.fail(weftError('WEFT_PROXY_UPSTREAM_CONNECT', `connect to ${this.target.label} timed out`, this.target.label));
  };

  private readonly onClose = (): void => {
    if (this.stage === DIAL_SECURE && !this.finished) this.pool.options.onTlsFailure?.('other');
    this.fail(weftError(this.stage === DIAL_SECURE ? 'WEFT_TLS_HANDSHAKE' : 'WEFT_PROXY_UPSTREAM_CONNECT', `${this.target.label} closed the connection during setup`, this.target.label));
  };

  private fail(error: WeftError): void {
    if (this.finished) return;
    this.finished = true;
    this.cleanup();
    // Keep a no-op error listener: a late error on the destroyed socket must not crash the process.
    this.socket.on('error', noop);
    this.socket.destroy();
    this.pool.dialFailed(this.target, this.waiter, error);
  }

  private cleanup(): void {
    this.socket.setTimeout(0);
    this.socket.removeListener('timeout', this.onTimeout);
    this.socket.removeListener('connect', this.onConnect);
    this.socket.removeListener('secureConnect', this.onSecure);
    this.socket.removeListener('error', this.onError);
    this.socket.removeListener('close', this.onClose);
  }
}

function noop(): void {}
