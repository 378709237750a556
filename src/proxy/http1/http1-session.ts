/**
 * One downstream HTTP/1.1 connection (an application's outbound connection, or a peer proxy's
 * inbound one) as an explicit state machine. Requests are served one at a time in arrival order
 * (pipelined requests wait in `buf` until the response before them has ended), which keeps
 * responses in order without a queue.
 *
 * States: HEAD (reading a request head) → CONNECTING (waiting for a pooled upstream) → EXCHANGE
 * (request body streaming while the response head/body streams back) → HEAD again, or TUNNEL after
 * a 101, or CLOSED.
 *
 * Hot-path rules (performance note §3, §6): all state lives in fields of this long-lived object;
 * socket handlers are bound once per connection; the head plus the body bytes already read go out
 * in one write; body bytes are forwarded as they arrive with backpressure (pause the source when
 * write() returns false, resume on 'drain', destroy the other side on close, never wait for 'drain'
 * on a destroyed socket).
 */
import { wireStatusOf } from '../../core/status-map.js';
import type { ErrorCode, WeftError } from '../../core/errors.js';
import type { ConnectionPool, PoolWaiter } from '../pool/connection-pool.js';
import type { UpstreamConnection, UpstreamUser } from '../pool/upstream-connection.js';
import type { UpstreamTarget } from '../pool/upstream-target.js';
import {
  createChunkedScanner,
  parseRequestHead,
  parseResponseHead,
  serializeRequestHead,
  serializeResponseHead,
  simpleResponse,
  type ChunkedScanner,
  type HeadEdits,
  type RequestHead,
} from './codec/index.js';
import type { EngineCore } from './engine-core.js';
import type { AuthzResultLabel } from '../metrics/index.js';
import { traceIdOf, type AccessLog } from '../telemetry/index.js';
import { normalizeRequestTarget } from '../../policy/authz/index.js';
import type { ClientTransport, HttpAuthzDecision, InboundConnection, RequestRecorder } from './engine-types.js';
import { pickTarget, type OutboundServiceRuntime } from './outbound-service-runtime.js';
import { isRefusedStream } from '../mux/index.js';

const S_HEAD = 0;
const S_CONNECTING = 1;
const S_EXCHANGE = 2;
const S_TUNNEL = 3;
const S_CLOSED = 4;

const R_HEAD = 0;
const R_BODY = 1;
const R_DONE = 2;

const F_NONE = 0;
const F_LENGTH = 1;
const F_CHUNKED = 2;
const F_CLOSE = 3;

// Reasons the client socket is paused (a bit set: it resumes when none is left).
const P_CONNECT = 1;
const P_UPSTREAM_FULL = 2;
const P_PIPELINE = 4;

// Identity headers an application may not set: the proxy's own, and the one proved by TLS.
const BASE_REMOVE: ReadonlyArray<string> = ['x-forwarded-client-cert'];
const WEFT_PREFIXES: ReadonlyArray<string> = ['x-weft-'];
const NO_ADD: ReadonlyArray<readonly [string, string]> = [];
const NO_REMOVE: ReadonlyArray<string> = [];
const RES_PLAIN: HeadEdits = { remove: NO_REMOVE, add: NO_ADD };
const RES_CLOSE: HeadEdits = { remove: NO_REMOVE, add: [['connection', 'close']] };
const RES_KEEPALIVE_10: HeadEdits = { remove: NO_REMOVE, add: [['connection', 'keep-alive']] };
const RES_UPGRADE: HeadEdits = { remove: NO_REMOVE, add: [['connection', 'upgrade']], keepUpgrade: true };
const CONNECTION_UPGRADE: readonly [string, string] = ['connection', 'upgrade'];
const CONNECTION_KEEP_ALIVE: readonly [string, string] = ['connection', 'keep-alive'];

const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  422: 'Unprocessable Entity',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function framingCode(kind: 'none' | 'length' | 'chunked' | 'close'): number {
  switch (kind) {
    case 'none':
      return F_NONE;
    case 'length':
      return F_LENGTH;
    case 'chunked':
      return F_CHUNKED;
    case 'close':
      return F_CLOSE;
  }
}

export class Http1Session implements PoolWaiter, UpstreamUser {
  readonly client: ClientTransport;
  private readonly core: EngineCore;
  private readonly inbound: InboundConnection | undefined;
  private readonly service: OutboundServiceRuntime | undefined;
  private readonly pool: ConnectionPool;
  /** Inbound: the local application (one target per connection). */
  private readonly appTarget: UpstreamTarget | undefined;
  /** Inbound: `x-forwarded-client-cert` value for an authenticated peer. */
  private readonly xfcc: string | undefined;
  /** The request edits of the common case, built once per connection. */
  private readonly plainEdits: HeadEdits;
  private readonly recorder: RequestRecorder | undefined;
  private readonly accessLog: AccessLog | undefined;
  /** The `traceparent` edit of a request that starts a trace, and the edits holding it (made once per connection). */
  private traceEntry: [string, string] | undefined = undefined;
  private newTraceEdits: HeadEdits | undefined = undefined;
  /** Inbound: the authorization input, one object per connection (the head changes per request). */
  private authzInput: { readonly peerIdentity: string | undefined; readonly peerAddress: string; readonly destinationPort: number; head: RequestHead } | undefined =
    undefined;

  state = S_HEAD;
  private unregistered = false;
  /** Unconsumed client bytes (partial head, or pipelined requests waiting their turn). */
  private buf: Buffer | undefined = undefined;
  private clientPause = 0;
  private clientEnded = false;

  // The current exchange.
  private head: RequestHead | undefined = undefined;
  private target: UpstreamTarget | undefined = undefined;
  private up: UpstreamConnection | undefined = undefined;
  /** The upstream's SPIFFE ID (outbound), for the access log. */
  private upIdentity: string | undefined = undefined;
  private pendingOut: Buffer | undefined = undefined;
  /** The whole request is in `pendingOut` (kept until the response starts), so it can be sent again. */
  private resendable = false;
  private idempotent = false;
  private retried = false;
  private reqFraming = F_NONE;
  private reqRemaining = 0;
  private reqDone = true;
  private reqScanner: ChunkedScanner | undefined = undefined;
  private upgrade = false;
  private keepAlive = true;
  private closeAfter = false;
  private startMs = 0;
  private traceId: string | undefined = undefined;
  private authzResult: AuthzResultLabel = 'none';
  private authzPolicy: string | undefined = undefined;
  private errorCode: ErrorCode | undefined = undefined;
  private startEpochMs = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  /** Any byte received from the upstream for this exchange (no retry after that). */
  private gotResponseByte = false;
  private resState = R_HEAD;
  private resBuf: Buffer | undefined = undefined;
  private resFraming = F_NONE;
  private resRemaining = 0;
  private resScanner: ChunkedScanner | undefined = undefined;
  private resStarted = false;
  private upReusable = false;
  private upPaused = false;
  private status = 0;
  /** Monotonic ms of the last finished request (for the idle sweep). */
  lastActive: number;

  constructor(core: EngineCore, client: ClientTransport, inbound: InboundConnection | undefined, service: OutboundServiceRuntime | undefined) {
    this.core = core;
    this.client = client;
    this.inbound = inbound;
    this.service = service;
    if (inbound !== undefined) {
      this.pool = core.appPool;
      this.appTarget = core.appTarget(inbound.appAddress, inbound.appPort);
      this.xfcc = inbound.peerIdentity === undefined ? undefined : `By=${core.ownIdentity};URI=${inbound.peerIdentity}`;
      this.recorder = inbound.recorder;
      this.accessLog = inbound.accessLog?.enabled === true ? inbound.accessLog : undefined;
    } else {
      this.pool = core.peerPool;
      this.appTarget = undefined;
      this.xfcc = undefined;
      this.recorder = service?.recorder;
      this.accessLog = service?.accessLog;
    }
    this.plainEdits = { remove: BASE_REMOVE, removePrefixes: WEFT_PREFIXES, add: this.xfcc === undefined ? NO_ADD : [['x-forwarded-client-cert', this.xfcc]] };
    this.lastActive = core.clock.monotonic();
    client.setNoDelay(true);
    client.on('data', this.onClientData);
    client.on('drain', this.onClientDrain);
    client.on('end', this.onClientEnd);
    client.on('close', this.onClientClose);
    client.on('error', this.onClientError);
  }

  /** Feed the bytes read during protocol detection, then start reading. */
  start(initial: Buffer): void {
    if (this.client.destroyed) {
      this.onClientClose();
      return;
    }
    if (initial.length > 0) this.onClientData(initial);
    if (this.client.isPaused() && this.clientPause === 0) this.client.resume();
  }

  /** Waiting for a request head (between requests, or in a partial head). */
  isIdle(): boolean {
    return this.state === S_HEAD;
  }

  /** Drain or idle timeout: close if idle, otherwise close after the response in flight. */
  closeWhenIdle(): void {
    this.closeAfter = true;
    if (this.state === S_HEAD) this.closeClient();
  }

  destroy(): void {
    this.client.destroy();
  }

  // ---- client side -------------------------------------------------------------------------

  private readonly onClientData = (chunk: Buffer): void => {
    try {
      this.clientData(chunk);
    } catch (error) {
      this.internalError(error);
    }
  };

  /** A bug must cost one connection, never the process. */
  private internalError(error: unknown): void {
    this.core.onInternalError(error);
    if (this.up !== undefined) this.dropUpstream();
    this.client.destroy();
  }

  private clientData(chunk: Buffer): void {
    switch (this.state) {
      case S_HEAD:
        this.appendClient(chunk);
        this.readHead();
        return;
      case S_EXCHANGE:
        if (!this.reqDone) this.forwardRequestBody(chunk);
        else this.appendClient(chunk);
        return;
      case S_TUNNEL:
        if (this.up !== undefined && !this.up.write(chunk)) this.pauseClient(P_UPSTREAM_FULL);
        return;
      case S_CONNECTING:
        this.appendClient(chunk);
        return;
      default:
        return;
    }
  }

  private appendClient(chunk: Buffer): void {
    const b = this.buf;
    this.buf = b === undefined || b.length === 0 ? chunk : Buffer.concat([b, chunk]);
    // Do not read unboundedly ahead while a request is in flight.
    if (this.state !== S_HEAD && this.buf.length > this.core.limits.maxHeadBytes) this.pauseClient(P_PIPELINE);
  }

  private pauseClient(reason: number): void {
    if (this.clientPause === 0) this.client.pause();
    this.clientPause |= reason;
  }

  private resumeClient(reason: number): void {
    if ((this.clientPause & reason) === 0) return;
    this.clientPause &= ~reason;
    if (this.clientPause === 0 && !this.client.destroyed) this.client.resume();
  }

  private readHead(): void {
    const buf = this.buf;
    if (buf === undefined) return;
    if (this.closeAfter) {
      this.closeClient();
      return;
    }
    const r = parseRequestHead(buf, 0, this.core.limits);
    if (r.state === 'incomplete') {
      if (buf.length > this.core.limits.maxHeadBytes) this.rejectMalformed('WEFT_PROXY_HEAD_TOO_LARGE', 'request head too large');
      return;
    }
    if (r.state === 'error') {
      this.rejectMalformed(r.code, r.reason);
      return;
    }
    this.buf = r.length < buf.length ? buf.subarray(r.length) : undefined;
    this.startRequest(r.head);
  }

  private rejectMalformed(code: ErrorCode, reason: string): void {
    this.head = undefined;
    this.startMs = this.core.clock.monotonic();
    this.startEpochMs = 0;
    this.authzResult = 'none';
    this.authzPolicy = undefined;
    this.traceId = undefined;
    this.buf = undefined;
    this.respondError(code, reason, true);
  }

  private startRequest(head: RequestHead): void {
    const core = this.core;
    this.head = head;
    this.startMs = core.clock.monotonic();
    this.keepAlive = head.keepAlive && !this.closeAfter;
    this.retried = false;
    this.gotResponseByte = false;
    this.resStarted = false;
    this.status = 0;
    this.upgrade = head.upgrade !== undefined;
    this.reqFraming = framingCode(head.framing.kind);
    this.reqRemaining = head.framing.kind === 'length' ? head.framing.length : 0;
    this.reqDone = this.reqFraming === F_NONE || (this.reqFraming === F_LENGTH && this.reqRemaining === 0);
    this.authzResult = 'none';
    this.authzPolicy = undefined;
    this.errorCode = undefined;
    this.bytesIn = head.raw.length;
    this.bytesOut = 0;
    if (this.accessLog !== undefined) this.startEpochMs = core.clock.now();

    if (head.method === 'CONNECT') {
      this.respondError('WEFT_PROXY_BAD_REQUEST', 'CONNECT is not supported here', true);
      return;
    }

    let target: UpstreamTarget | undefined;
    // Inbound, the application gets the normalized target that authorization matched (Istio's
    // default path normalization): `/public/../admin` arrives as `/admin`.
    let forwardTarget: string | undefined;
    const inbound = this.inbound;
    if (inbound !== undefined) {
      const decision = this.authorize(inbound, head);
      this.authzResult = decision.allowed ? 'allowed' : 'denied';
      this.authzPolicy = decision.policy;
      if (!decision.allowed) {
        const why =
          decision.policy !== undefined
            ? `RBAC: access denied by policy ${decision.policy}`
            : `RBAC: access denied${decision.reason === undefined ? '' : ` (${decision.reason})`}`;
        this.respondError('WEFT_AUTHZ_DENIED', why, !this.reqDone);
        return;
      }
      target = this.appTarget;
      forwardTarget = normalizeRequestTarget(head.target);
    } else {
      const service = this.service;
      target = service === undefined ? undefined : pickTarget(service);
      if (target === undefined) {
        const label = service === undefined ? 'the destination' : service.label;
        this.respondError('WEFT_PROXY_UPSTREAM_CONNECT', `no ready endpoint for ${label}`, !this.reqDone);
        return;
      }
    }
    if (target === undefined) return;
    this.target = target;

    // Head edits: strip identity headers the application may not set; start a trace when there is
    // no valid one (a valid one passes unchanged: this proxy records no spans of its own).
    let remove = BASE_REMOVE;
    let add: ReadonlyArray<readonly [string, string]> = NO_ADD;
    const tp = head.header('traceparent');
    const traceId = tp === undefined ? undefined : traceIdOf(tp);
    let started: string | undefined;
    if (traceId === undefined) {
      started = core.traceIds.newTraceparent(false);
      this.traceId = started.slice(3, 35);
      add = [['traceparent', started]];
      if (tp !== undefined) remove = withName(remove, 'traceparent');
    } else {
      this.traceId = traceId;
    }
    let edits: HeadEdits;
    const http10 = head.versionMinor === 0;
    if (remove === BASE_REMOVE && !this.upgrade && !http10) {
      // The common cases, without allocation: a valid trace context passes as it is; a new trace
      // fills the value of this connection's own `traceparent` edit (serialized before it is reused).
      if (started === undefined) edits = this.plainEdits;
      else {
        const entry = (this.traceEntry ??= ['traceparent', '']);
        entry[1] = started;
        edits = this.newTraceEdits ??= {
          remove: BASE_REMOVE,
          removePrefixes: WEFT_PREFIXES,
          add: this.xfcc === undefined ? [entry] : [entry, ['x-forwarded-client-cert', this.xfcc]],
        };
      }
    } else {
      if (this.xfcc !== undefined) add = [...add, ['x-forwarded-client-cert', this.xfcc]];
      if (this.upgrade) add = [...add, CONNECTION_UPGRADE];
      // An HTTP/1.0 request would close the pooled upstream connection after its response.
      else if (http10) add = [...add, CONNECTION_KEEP_ALIVE];
      edits = { remove, removePrefixes: WEFT_PREFIXES, add, keepUpgrade: this.upgrade };
    }

    // The body bytes already read go out with the head, in one write.
    let body: Buffer | undefined;
    const buf = this.buf;
    if (!this.reqDone && buf !== undefined) {
      if (this.reqFraming === F_LENGTH) {
        const n = Math.min(this.reqRemaining, buf.length);
        body = n === buf.length ? buf : buf.subarray(0, n);
        this.buf = n === buf.length ? undefined : buf.subarray(n);
        this.reqRemaining -= n;
        this.reqDone = this.reqRemaining === 0;
      } else {
        const scanner = this.requestScanner();
        const s = scanner.scan(buf, 0, buf.length);
        if ('error' in s) {
          this.respondError('WEFT_PROXY_BAD_REQUEST', s.error, true);
          return;
        }
        body = s.consumed === buf.length ? buf : buf.subarray(0, s.consumed);
        this.buf = s.consumed === buf.length ? undefined : buf.subarray(s.consumed);
        this.reqDone = s.done;
      }
    } else if (this.reqFraming === F_CHUNKED) {
      this.requestScanner();
    }
    if (body !== undefined) this.bytesIn += body.length;
    this.pendingOut = serializeRequestHead(head, edits, body, forwardTarget);
    this.resendable = this.reqDone && !this.upgrade;
    this.idempotent = IDEMPOTENT.has(head.method);
    this.state = S_CONNECTING;
    this.pool.acquire(target, this);
    // Not answered synchronously: hold the client's further bytes until the connection is there.
    if (this.state === S_CONNECTING) this.pauseClient(P_CONNECT);
  }

  private requestScanner(): ChunkedScanner {
    let s = this.reqScanner;
    if (s === undefined) {
      s = createChunkedScanner();
      this.reqScanner = s;
    } else {
      s.reset();
    }
    return s;
  }

  private forwardRequestBody(chunk: Buffer): void {
    const up = this.up;
    if (up === undefined) return;
    let n: number;
    if (this.reqFraming === F_LENGTH) {
      n = Math.min(this.reqRemaining, chunk.length);
      this.reqRemaining -= n;
      if (this.reqRemaining === 0) this.reqDone = true;
    } else {
      const s = (this.reqScanner as ChunkedScanner).scan(chunk, 0, chunk.length);
      if ('error' in s) {
        this.failRequestBody(s.error);
        return;
      }
      n = s.consumed;
      if (s.done) this.reqDone = true;
    }
    this.bytesIn += n;
    if (n > 0 && !up.write(n === chunk.length ? chunk : chunk.subarray(0, n))) this.pauseClient(P_UPSTREAM_FULL);
    if (n < chunk.length) this.appendClient(chunk.subarray(n));
    if (this.reqDone && this.resState === R_DONE) this.finishExchange();
  }

  private failRequestBody(reason: string): void {
    // The upstream has a partial request: it cannot be reused.
    this.dropUpstream();
    if (!this.resStarted) this.respondError('WEFT_PROXY_BAD_REQUEST', reason, true);
    else this.client.destroy();
  }

  private readonly onClientDrain = (): void => {
    if (this.upPaused) {
      this.upPaused = false;
      this.up?.socket.resume();
    }
  };

  private readonly onClientEnd = (): void => {
    this.clientEnded = true;
    if (this.state === S_HEAD) {
      this.closeClient();
    } else if (this.state === S_TUNNEL) {
      this.up?.socket.end();
    } else {
      this.closeAfter = true;
      // A request cut short: the upstream has a partial message.
      if (!this.reqDone) this.client.destroy();
    }
  };

  private readonly onClientError = (): void => {
    // 'close' follows; nothing else to do (the error must not crash the process).
  };

  private readonly onClientClose = (): void => {
    this.state = S_CLOSED;
    this.pendingOut = undefined;
    this.buf = undefined;
    if (this.up !== undefined) {
      // Mid-exchange: the upstream holds a partial message or an unread response.
      this.dropUpstream();
    }
    if (!this.unregistered) {
      this.unregistered = true;
      this.core.sessionClosed(this);
    }
  };

  private closeClient(): void {
    if (this.state === S_CLOSED) return;
    this.state = S_CLOSED;
    this.buf = undefined;
    if (this.up !== undefined) this.dropUpstream();
    this.client.end();
    // A client that never reads would keep the socket forever: the end is graceful but bounded.
    this.client.setTimeout(this.core.closeGraceMs, destroySocket);
  }

  // ---- pool --------------------------------------------------------------------------------

  onPoolConnection(conn: UpstreamConnection): void {
    if (this.state !== S_CONNECTING) {
      // The client went away while we waited; nothing was written on this connection.
      this.pool.release(conn);
      return;
    }
    this.up = conn;
    this.upIdentity = conn.peerIdentity;
    conn.user = this;
    this.state = S_EXCHANGE;
    this.resState = R_HEAD;
    this.resBuf = undefined;
    this.upReusable = true;
    this.upPaused = false;
    const out = this.pendingOut as Buffer;
    if (!this.resendable) this.pendingOut = undefined;
    const flushed = conn.write(out);
    if (!flushed && !this.reqDone) this.pauseClient(P_UPSTREAM_FULL);
    this.resumeClient(P_CONNECT);
    // Body bytes that arrived while connecting.
    if (!this.reqDone && this.buf !== undefined && this.state === S_EXCHANGE) {
      const b = this.buf;
      this.buf = undefined;
      this.forwardRequestBody(b);
    }
  }

  onPoolError(error: WeftError): void {
    if (this.state !== S_CONNECTING) return;
    this.pendingOut = undefined;
    this.resumeClient(P_CONNECT);
    this.respondError(error.code, error.message, !this.reqDone);
  }

  // ---- upstream ----------------------------------------------------------------------------

  onUpstreamData(conn: UpstreamConnection, chunk: Buffer): void {
    try {
      this.upstreamData(conn, chunk);
    } catch (error) {
      this.internalError(error);
    }
  }

  /**
   * A chunk from a pool connection is a view of a read buffer the next read overwrites
   * (UpstreamUser.onUpstreamData): bytes kept past this call, or handed to a client write, are
   * copied. The common response (head and body in one read) is serialized into a new buffer anyway.
   */
  private upstreamData(conn: UpstreamConnection, chunk: Buffer): void {
    this.gotResponseByte = true;
    if (this.state === S_TUNNEL) {
      if (!this.client.write(Buffer.from(chunk))) this.pauseUpstream(conn);
      return;
    }
    if (this.resState === R_BODY) {
      this.forwardResponseBody(conn, chunk);
      return;
    }
    if (this.resState === R_DONE) {
      // Bytes after the end of the response: never reuse this connection.
      this.upReusable = false;
      return;
    }
    const b = this.resBuf;
    this.resBuf = b === undefined ? chunk : Buffer.concat([b, chunk]);
    this.readResponseHead(conn);
    // A partial head (or what follows an interim response) waits for more bytes: keep a copy.
    const rest = this.resBuf;
    if (rest !== undefined && rest.buffer === chunk.buffer) this.resBuf = Buffer.from(rest);
  }

  private readResponseHead(conn: UpstreamConnection): void {
    const head = this.head as RequestHead;
    for (;;) {
      const buf = this.resBuf;
      if (buf === undefined) return;
      const r = parseResponseHead(buf, 0, head.method, this.core.limits);
      if (r.state === 'incomplete') {
        if (buf.length > this.core.limits.maxHeadBytes) this.upstreamFailed('upstream response head too large');
        return;
      }
      if (r.state === 'error') {
        this.upstreamFailed(`malformed upstream response: ${r.reason}`);
        return;
      }
      const res = r.head;
      const rest = r.length < buf.length ? buf.subarray(r.length) : undefined;
      this.resBuf = rest;
      const status = res.status;
      if (status >= 100 && status < 200 && status !== 101) {
        // Interim response (100 Continue, 103 Early Hints): forward and wait for the final one.
        this.resStarted = true;
        this.writeClient(serializeResponseHead(res, RES_PLAIN));
        continue;
      }
      this.status = status;
      this.resStarted = true;
      if (status === 101) {
        if (!this.upgrade) {
          this.upstreamFailed('upstream switched protocols without an upgrade request');
          return;
        }
        this.enterTunnel(conn, serializeResponseHead(res, RES_UPGRADE, rest));
        return;
      }
      if (!res.keepAlive) this.upReusable = false;
      const framing = framingCode(res.framing.kind);
      this.resFraming = framing;
      if (framing === F_CLOSE) {
        this.upReusable = false;
        this.closeAfter = true;
      }
      let edits = RES_PLAIN;
      if (!this.keepAlive || this.closeAfter || this.core.draining) {
        edits = RES_CLOSE;
        this.closeAfter = true;
      } else if (head.versionMinor === 0) {
        edits = RES_KEEPALIVE_10;
      }
      let body: Buffer | undefined;
      let done = false;
      if (framing === F_NONE) {
        done = true;
        if (rest !== undefined) this.upReusable = false;
      } else if (framing === F_LENGTH) {
        const len = res.framing.kind === 'length' ? res.framing.length : 0;
        const avail = rest === undefined ? 0 : rest.length;
        const n = Math.min(len, avail);
        if (n > 0) body = n === avail ? rest : (rest as Buffer).subarray(0, n);
        this.resRemaining = len - n;
        done = this.resRemaining === 0;
        if (avail > n) this.upReusable = false;
      } else if (framing === F_CHUNKED) {
        let scanner = this.resScanner;
        if (scanner === undefined) {
          scanner = createChunkedScanner();
          this.resScanner = scanner;
        } else {
          scanner.reset();
        }
        if (rest !== undefined) {
          const s = scanner.scan(rest, 0, rest.length);
          if ('error' in s) {
            this.upstreamFailed(`malformed upstream response body: ${s.error}`);
            return;
          }
          body = s.consumed === rest.length ? rest : rest.subarray(0, s.consumed);
          done = s.done;
          if (s.consumed < rest.length) this.upReusable = false;
        }
      } else {
        body = rest;
      }
      this.resBuf = undefined;
      this.resState = R_BODY;
      if (!this.writeClient(serializeResponseHead(res, edits, body)) && !done) this.pauseUpstream(conn);
      if (done) this.responseDone();
      return;
    }
  }

  private forwardResponseBody(conn: UpstreamConnection, chunk: Buffer): void {
    let n = chunk.length;
    let done = false;
    if (this.resFraming === F_LENGTH) {
      if (n > this.resRemaining) {
        n = this.resRemaining;
        this.upReusable = false;
      }
      this.resRemaining -= n;
      done = this.resRemaining === 0;
    } else if (this.resFraming === F_CHUNKED) {
      const s = (this.resScanner as ChunkedScanner).scan(chunk, 0, chunk.length);
      if ('error' in s) {
        // Mid-body: the client cannot be told cleanly; cut both.
        this.dropUpstream();
        this.client.destroy();
        return;
      }
      n = s.consumed;
      done = s.done;
      if (n < chunk.length) this.upReusable = false;
    }
    if (n > 0) {
      const part = n === chunk.length ? chunk : chunk.subarray(0, n);
      if (!this.writeClient(Buffer.from(part)) && !done) this.pauseUpstream(conn);
    }
    if (done) this.responseDone();
  }

  onUpstreamDrain(): void {
    this.resumeClient(P_UPSTREAM_FULL);
  }

  onUpstreamClose(conn: UpstreamConnection, error: Error | undefined): void {
    if (this.up !== conn) return;
    this.up = undefined;
    this.upPaused = false;
    this.pool.discard(conn);
    switch (this.state) {
      case S_TUNNEL:
        if (error === undefined) this.closeClient();
        else this.client.destroy();
        return;
      case S_EXCHANGE:
        break;
      default:
        return;
    }
    if (this.resState === R_BODY && this.resFraming === F_CLOSE && error === undefined) {
      // A close-delimited body ends here.
      this.closeAfter = true;
      this.responseDone();
      return;
    }
    if (this.resState === R_DONE) return;
    if (!this.gotResponseByte) {
      // One retry on a fresh connection: after a stale keep-alive connection closed (idempotent
      // requests only: the server may have acted on it), or a mux stream the peer refused unread
      // (any method: the protocol says it was not processed).
      const again = (this.idempotent && conn.uses > 1) || isRefusedStream(error);
      if (this.resendable && !this.retried && again && this.target !== undefined) {
        this.retried = true;
        this.state = S_CONNECTING;
        this.pool.acquireFresh(this.target, this);
        if (this.state === S_CONNECTING) this.pauseClient(P_CONNECT);
        return;
      }
      this.pendingOut = undefined;
      this.respondError('WEFT_PROXY_UPSTREAM_RESET', 'upstream closed the connection before responding', !this.reqDone);
      return;
    }
    if (!this.resStarted) {
      this.respondError('WEFT_PROXY_UPSTREAM_RESET', 'upstream closed the connection mid-response', true);
      return;
    }
    // Part of the response is already with the client: the only honest signal left is a reset.
    this.errorCode = 'WEFT_PROXY_UPSTREAM_RESET';
    this.record(this.status);
    this.client.destroy();
  }

  private upstreamFailed(reason: string): void {
    this.dropUpstream();
    if (!this.resStarted) this.respondError('WEFT_PROXY_UPSTREAM_RESET', reason, true);
    else this.client.destroy();
  }

  private pauseUpstream(conn: UpstreamConnection): void {
    if (this.client.destroyed) {
      // Never wait for 'drain' on a destroyed socket.
      this.dropUpstream();
      return;
    }
    if (!this.upPaused) {
      this.upPaused = true;
      conn.socket.pause();
    }
  }

  private dropUpstream(): void {
    const up = this.up;
    if (up === undefined) return;
    this.up = undefined;
    up.user = undefined;
    this.upPaused = false;
    this.pool.discard(up);
  }

  private enterTunnel(conn: UpstreamConnection, out: Buffer): void {
    this.state = S_TUNNEL;
    this.upReusable = false;
    this.pendingOut = undefined;
    this.record(101);
    if (!this.writeClient(out)) this.pauseUpstream(conn);
    const pending = this.buf;
    this.buf = undefined;
    this.resumeClient(P_PIPELINE);
    if (pending !== undefined && !conn.write(pending)) this.pauseClient(P_UPSTREAM_FULL);
    if (this.clientEnded) conn.socket.end();
  }

  private responseDone(): void {
    this.resState = R_DONE;
    this.pendingOut = undefined;
    this.record(this.status);
    if (this.reqDone) this.finishExchange();
    else {
      // The response ended before the request body: the upstream stops reading it, so neither side
      // can be resynchronised.
      this.upReusable = false;
      this.closeAfter = true;
      this.dropUpstream();
      this.closeClient();
    }
  }

  private finishExchange(): void {
    const up = this.up;
    if (up !== undefined) {
      this.up = undefined;
      if (this.upReusable && !up.dead) {
        if (this.upPaused) up.socket.resume();
        this.upPaused = false;
        this.pool.release(up);
      } else {
        this.upPaused = false;
        up.user = undefined;
        this.pool.discard(up);
      }
    }
    this.head = undefined;
    this.target = undefined;
    this.lastActive = this.core.clock.monotonic();
    if (this.closeAfter || !this.keepAlive || this.clientEnded) {
      this.closeClient();
      return;
    }
    this.state = S_HEAD;
    this.resumeClient(P_PIPELINE | P_UPSTREAM_FULL);
    if (this.buf !== undefined) this.readHead();
  }

  // ---- responses ---------------------------------------------------------------------------

  private writeClient(data: Buffer): boolean {
    this.bytesOut += data.length;
    return this.client.write(data);
  }

  /** A locally generated error response; `close` when the connection cannot continue. */
  private respondError(code: ErrorCode, message: string, close: boolean): void {
    const status = wireStatusOf(code).http;
    this.status = status;
    const closing = close || !this.keepAlive || this.closeAfter || this.core.draining;
    this.closeAfter = closing;
    if (this.up !== undefined) this.dropUpstream();
    this.errorCode = code;
    this.record(status);
    if (!this.client.destroyed) this.client.write(simpleResponse(status, REASONS[status] ?? 'Error', `${message}\n`, { close: closing }));
    this.resState = R_DONE;
    this.reqDone = true;
    this.head = undefined;
    this.target = undefined;
    this.pendingOut = undefined;
    this.lastActive = this.core.clock.monotonic();
    if (closing) {
      this.closeClient();
      return;
    }
    this.state = S_HEAD;
    this.resumeClient(P_PIPELINE | P_UPSTREAM_FULL | P_CONNECT);
    if (this.buf !== undefined) this.readHead();
  }

  private authorize(inbound: InboundConnection, head: RequestHead): HttpAuthzDecision {
    let input = this.authzInput;
    if (input === undefined) {
      input = { peerIdentity: inbound.peerIdentity, peerAddress: inbound.peerAddress, destinationPort: inbound.destinationPort, head };
      this.authzInput = input;
    } else {
      input.head = head;
    }
    return inbound.authorizer().authorizeHttp(input);
  }

  /** Metrics (always) and the access log (when on) for the request that just ended. */
  private record(status: number): void {
    const durationMs = this.core.clock.monotonic() - this.startMs;
    this.recorder?.record(status, durationMs, this.authzResult);
    const log = this.accessLog;
    if (log !== undefined) this.writeAccessLog(log, status, durationMs);
  }

  private writeAccessLog(log: AccessLog, status: number, durationMs: number): void {
    const head = this.head;
    const inbound = this.inbound;
    const core = this.core;
    log.log({
      startTime: this.startEpochMs === 0 ? core.clock.now() : this.startEpochMs,
      direction: inbound !== undefined ? 'inbound' : 'outbound',
      protocol: 'http',
      method: head?.method,
      path: head?.path,
      authority: head?.host,
      status,
      durationMs,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      sourcePrincipal: inbound !== undefined ? inbound.peerIdentity : undefined,
      sourceAddress: inbound !== undefined ? inbound.peerAddress : this.client.remoteAddress,
      destinationService: this.service?.serviceName,
      destinationWorkload: inbound !== undefined ? core.workloadName : undefined,
      destinationNamespace: inbound !== undefined ? core.workloadNamespace : undefined,
      destinationPrincipal: inbound !== undefined ? undefined : this.upIdentity,
      upstreamAddress: this.target?.label,
      authz: this.authzResult,
      authzPolicy: this.authzPolicy,
      traceId: this.traceId,
      error: this.errorCode,
    });
  }
}

/** `names` plus one more (a new array: only on the rare paths that need it). */
function withName(names: ReadonlyArray<string>, name: string): ReadonlyArray<string> {
  return [...names, name];
}

function destroySocket(this: ClientTransport): void {
  this.destroy();
}
