/**
 * The inbound side of the proxy: a connection arrives for an application port (captured on 15006 with
 * its original destination, or on an explicit inbound listener). mTLS is terminated here (STRICT: TLS
 * with a verified client certificate only; PERMISSIVE: first-byte detection, plaintext is marked
 * unauthenticated), the caller's SPIFFE ID is read once, and the connection goes by ALPN (or by the
 * port's protocol) to the HTTP/1.1 engine, the HTTP/2 path, or an opaque TCP tunnel to the application.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { sniffSocket } from '../detect/sniff-socket.js';
import type { DetectedProtocol } from '../detect/detect-protocol.js';
import { createH2Front, type H2Front } from '../http2/h2-front.js';
import { forwardStream, forwardableHeaders, isGrpc, localAnswer, respondLocally, type LocalAnswer } from '../http2/h2-forward.js';
import type { H2SessionPool } from '../http2/h2-session-pool.js';
import { joinTunnel } from '../tcp/tcp-tunnel.js';
import { MUX_ALPN, MuxSession } from '../mux/index.js';
import type { Generation, InboundPortRuntime } from './generation.js';
import type { Http1EnginePort, InboundConnection } from './http1-port.js';
import type { AuthzAttributes, AuthzVerdict } from './inbound-authorizer.js';
import type { Log } from './log.js';
import type { ShellMetrics } from './shell-metrics.js';
import type { TlsCredentials } from '../tls/tls-credentials.js';
import type { IdentityMaterial } from '../tls/identity-material.js';
import { peerSpiffeId } from '../tls/peer-identity.js';
import type { Clock } from '../../core/clock.js';
import type { AccessLog } from '../telemetry/access-log.js';
import { traceIdOf } from '../telemetry/index.js';
import { normalizeRequestTarget } from '../../policy/authz/index.js';
import type { ErrorCode } from '../../core/errors.js';
import { inboundEdgeLabels, type ProxyMetrics } from '../metrics/index.js';
import { classifyTlsError, type TlsFailureReason } from '../tls/tls-errors.js';
import { resumedWithStaleCert } from '../tls/tls-credentials.js';
import { armConnectionExpiry, meshConnectionDeadline } from '../tls/connection-expiry.js';
import type { TcpRegistry } from './tcp-registry.js';

export const ALPN_HTTP1 = 'weft-http1';
export const ALPN_H2 = 'h2';
export const ALPN_TCP = 'weft-tcp';

/** No bytes read ahead (a mux stream's bytes arrive as its 'data'). */
const NO_BYTES = Buffer.alloc(0);
/** How long a STRICT port waits for a client's first bytes (its ClientHello) before closing; as the TLS handshake timeout. */
export const STRICT_FIRST_BYTES_TIMEOUT_MS = 10_000;

export interface InboundDeps {
  readonly log: Log;
  readonly metrics: ShellMetrics;
  readonly registry: ProxyMetrics;
  readonly accessLog: AccessLog;
  readonly clock: Clock;
  /** The proxy's identity (rotations apply to new handshakes; open connections keep theirs). */
  readonly tls: TlsCredentials;
  readonly current: () => Generation;
  readonly http1: Http1EnginePort | undefined;
  readonly tcp: TcpRegistry;
  readonly appH2: H2SessionPool;
  readonly detectTimeoutMs: number;
  /** The proxy's own ports: never delivered to (loop guard). */
  readonly ownPorts: () => ReadonlySet<number>;
}

export interface InboundHandler {
  /** A connection for application port `destinationPort`. */
  accept(socket: Socket, destinationPort: number): void;
  readonly h2: H2Front<InboundConnection>;
  /** Draining: peer proxies' mux connections take no new streams (GOAWAY); open ones finish. */
  goAway(): void;
  close(): void;
}

interface PendingTls {
  readonly destinationPort: number;
}

function denyMessage(v: AuthzVerdict): string {
  return v.policy === undefined ? `RBAC: access denied (${v.reason})` : `RBAC: access denied by policy ${v.policy}`;
}

export function createInboundHandler(deps: InboundDeps): InboundHandler {
  const { log, metrics, registry, clock } = deps;
  const pemOf = (m: IdentityMaterial): { cert: string; key: string; ca: string } => ({ cert: m.certPem, key: m.keyPem, ca: m.caPem });
  const tlsServer = createTlsServer({
    ...pemOf(deps.tls.material),
    minVersion: 'TLSv1.3',
    requestCert: true,
    // Verification is checked on 'secureConnection' so that failures are counted with their reason.
    rejectUnauthorized: false,
    // weft-mux first: a peer proxy that offers it gets one connection for all its HTTP/1.1 streams.
    ALPNProtocols: [MUX_ALPN, ALPN_HTTP1, ALPN_H2, ALPN_TCP],
    handshakeTimeout: 10_000,
  });
  const stopFollowing = deps.tls.onUpdate((m) => tlsServer.setSecureContext({ ...pemOf(m), minVersion: 'TLSv1.3' }));
  const pending = new Map<string, PendingTls>();
  const keyOf = (s: Socket): string => `${s.remoteAddress ?? ''}:${s.remotePort ?? 0}>${s.localPort ?? 0}`;
  const handshakeFailed = (reason: TlsFailureReason, detail: string): void => {
    registry.tlsHandshakeFailure('inbound', reason);
    log.debug('inbound TLS handshake failed', { reason, detail });
  };
  tlsServer.on('tlsClientError', (e, s: TLSSocket) => {
    pending.delete(keyOf(s));
    handshakeFailed(classifyTlsError(e, s), e.message);
    s.destroy();
  });
  tlsServer.on('secureConnection', (s: TLSSocket) => {
    const key = keyOf(s);
    const p = pending.get(key);
    pending.delete(key);
    s.on('error', () => undefined);
    if (p === undefined) {
      s.destroy();
      return;
    }
    if (!s.authorized) {
      const cert = s.getPeerCertificate();
      const none = cert === undefined || Object.keys(cert).length === 0;
      const code = String(s.authorizationError ?? '');
      handshakeFailed(none ? 'no_client_cert' : classifyTlsError({ code }, s), code);
      s.destroy();
      return;
    }
    // A resumed session skips certificate verification: refuse one whose certificate has expired
    // since (a workload whose token was revoked must lose access when its certificate runs out).
    if (resumedWithStaleCert(s, clock.now())) {
      handshakeFailed('expired', 'a resumed session of a client whose certificate has expired');
      s.destroy();
      return;
    }
    s.setNoDelay(true);
    const peer = peerSpiffeId(s);
    if (peer === undefined) {
      handshakeFailed('bad_identity', 'no SPIFFE ID in the client certificate');
      s.destroy();
      return;
    }
    const portRt = deps.current().inboundByPort.get(p.destinationPort);
    if (portRt === undefined) {
      s.destroy();
      return;
    }
    // The identity is read once per connection, so the connection must not outlive either
    // certificate: it is closed when the first expires (a client's proxy retires it just before).
    armConnectionExpiry(s, meshConnectionDeadline(s), clock, {
      onExpire: () => {
        log.debug('inbound mesh connection closed: a certificate expired', { peer });
        s.destroy();
      },
    });
    const alpn = s.alpnProtocol;
    const proto: DetectedProtocol | 'detect' =
      alpn === ALPN_HTTP1 ? 'http1' : alpn === ALPN_H2 ? 'h2' : alpn === ALPN_TCP ? 'tcp' : 'detect';
    metrics.connections.inc(['inbound_mtls', typeof alpn === 'string' ? alpn : 'none']);
    if (alpn === MUX_ALPN) {
      serveMux(s, portRt, peer);
      return;
    }
    if (proto === 'detect') serveByPort(s, Buffer.alloc(0), portRt, peer);
    else dispatch(proto, s, Buffer.alloc(0), portRt, peer);
  });

  const h2 = createH2Front<InboundConnection>(onInboundStream, (where, e) => {
    metrics.unexpectedErrors.inc([where]);
    log.debug('inbound h2 error', { where, error: String(e) });
  });

  /** Mux connections from peer proxies: retired (GOAWAY) when the handler closes. */
  const muxSessions = new Set<MuxSession>();
  let closing = false;

  /** A peer proxy's mux connection: each stream is an HTTP/1.1 connection to the same port. */
  function serveMux(s: TLSSocket, portRt: InboundPortRuntime, peer: string): void {
    const http1 = deps.http1;
    if (http1 === undefined) {
      s.destroy();
      return;
    }
    const conn = connectionOf(s, portRt, peer);
    const session = new MuxSession(s, {
      role: 'server',
      // A peer's connection without streams goes when an idle HTTP/1.1 connection would (the
      // peer's pool lets its own go first).
      idleTimeoutMs: http1.idleTimeoutMs,
      onStream: (stream) => http1.serveInbound(stream, NO_BYTES, conn),
      onProtocolError: (reason) => {
        metrics.unexpectedErrors.inc(['mux']);
        log.debug('inbound mux connection broke the protocol', { peer, reason });
      },
      onClose: (m) => muxSessions.delete(m),
    });
    muxSessions.add(session);
    s.on('data', (chunk: Buffer) => session.received(chunk));
    if (closing) session.retire();
  }

  function connectionOf(s: Socket, portRt: InboundPortRuntime, peer: string | undefined): InboundConnection {
    const snap = deps.current().snapshot;
    const edge = registry.bindEdge(inboundEdgeLabels(snap.workload, peer, 'http', String(portRt.appPort)));
    return {
      ...(snap.inbound.accessLog ? { accessLog: deps.accessLog } : {}),
      recorder: { record: (status, ms, authz) => edge.recordRequest(status, -1, authz, ms / 1000) },
      peerIdentity: peer,
      peerAddress: s.remoteAddress ?? '',
      destinationPort: portRt.appPort,
      appAddress: portRt.appAddress,
      appPort: portRt.appPort,
      authorizer: () => deps.current().authorizer,
    };
  }

  function dispatch(proto: DetectedProtocol, s: Socket, initial: Buffer, portRt: InboundPortRuntime, peer: string | undefined): void {
    const conn = connectionOf(s, portRt, peer);
    switch (proto) {
      case 'http1':
        if (deps.http1 === undefined) {
          s.end('HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
          return;
        }
        deps.http1.serveInbound(s, initial, conn);
        return;
      case 'h2':
        h2.serve(s, initial, conn);
        return;
      case 'tcp':
        tunnelToApp(s, initial, conn);
        return;
      case 'tls':
        // TLS inside a plaintext port (an application doing its own TLS): opaque bytes.
        tunnelToApp(s, initial, conn);
        return;
    }
  }

  /** By the port's configured protocol, detecting when it says so. */
  function serveByPort(s: Socket, initial: Buffer, portRt: InboundPortRuntime, peer: string | undefined): void {
    switch (portRt.config.protocol) {
      case 'http':
        dispatch('http1', s, initial, portRt, peer);
        return;
      case 'http2':
      case 'grpc':
        dispatch('h2', s, initial, portRt, peer);
        return;
      case 'tcp':
        dispatch('tcp', s, initial, portRt, peer);
        return;
      case 'detect':
        if (initial.length > 0) {
          s.unshift(initial);
        }
        sniffSocket(s, deps.detectTimeoutMs, (p, bytes) => dispatch(p, s, bytes, portRt, peer));
        return;
    }
  }

  function tunnelToApp(s: Socket, initial: Buffer, conn: InboundConnection): void {
    const attrs: AuthzAttributes = { protocol: 'tcp', sourcePrincipal: conn.peerIdentity, sourceIp: conn.peerAddress, destinationPort: conn.destinationPort };
    const verdict = deps.current().authorizer.authorize(attrs);
    if (!verdict.allowed) {
      if (log.debugEnabled) log.debug('tcp connection denied', { peer: conn.peerIdentity, port: conn.destinationPort, policy: verdict.policy, rule: verdict.ruleIndex, reason: verdict.reason });
      s.destroy();
      return;
    }
    const edge = registry.bindEdge(inboundEdgeLabels(deps.current().snapshot.workload, conn.peerIdentity, 'tcp', String(conn.appPort)));
    const app = netConnect({ host: conn.appAddress, port: conn.appPort });
    app.setNoDelay(true);
    edge.connectionOpened();
    const untrack = deps.tcp.add({
      attrs,
      close: (r) => {
        if (r === 'policy') metrics.tcpClosedByPolicy.inc([]);
        s.destroy();
        app.destroy();
      },
    });
    const startTime = clock.now();
    const logOn = deps.current().snapshot.inbound.accessLog;
    joinTunnel(s, app, initial, edge, (e, { bytesIn, bytesOut }) => {
      untrack();
      edge.connectionClosed();
      if (logOn) {
        deps.accessLog.log({
          startTime, direction: 'inbound', protocol: 'tcp', durationMs: clock.now() - startTime, bytesIn, bytesOut,
          sourcePrincipal: conn.peerIdentity, sourceAddress: conn.peerAddress, upstreamAddress: `${conn.appAddress}:${conn.appPort}`,
          authz: 'allowed', error: e === undefined ? undefined : e.message,
        });
      }
    });
  }

  function onInboundStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, conn: InboundConnection): void {
    const started = clock.monotonic();
    const grpc = isGrpc(headers);
    const edge = registry.bindEdge(inboundEdgeLabels(deps.current().snapshot.workload, conn.peerIdentity, grpc ? 'grpc' : 'http', String(conn.appPort)));
    const rawPath = headers[':path'] ?? '/';
    const q = rawPath.indexOf('?');
    const attrs: AuthzAttributes = {
      protocol: grpc ? 'grpc' : 'http',
      sourcePrincipal: conn.peerIdentity,
      sourceIp: conn.peerAddress,
      destinationPort: conn.destinationPort,
      method: headers[':method'] ?? 'GET',
      path: q < 0 ? rawPath : rawPath.slice(0, q),
      host: headers[':authority'] ?? '',
      header: (name) => {
        const v = headers[name];
        return Array.isArray(v) ? v.join(',') : v;
      },
    };
    const verdict = deps.current().authorizer.authorize(attrs);
    if (!verdict.allowed) {
      if (log.debugEnabled) log.debug('h2 request denied', { peer: conn.peerIdentity, path: attrs.path, policy: verdict.policy, rule: verdict.ruleIndex, reason: verdict.reason });
      const answer = localAnswer(grpc, 'WEFT_AUTHZ_DENIED');
      metrics.h2Requests.inc(['inbound', String(grpc), `${Math.floor(answer.httpStatus / 100)}xx`]);
      const durationMs = clock.monotonic() - started;
      edge.recordRequest(answer.status, answer.grpcStatus, 'denied', durationMs / 1000);
      const sent = respondLocally(stream, answer, denyMessage(verdict));
      if (deps.current().snapshot.inbound.accessLog) {
        logInboundStream(conn, attrs, headers, grpc, durationMs, answer.status, answer.grpcStatus, 0, sent, 'denied', verdict.policy, 'WEFT_AUTHZ_DENIED');
      }
      return;
    }
    const extra = conn.peerIdentity === undefined
      ? undefined
      : { 'x-forwarded-client-cert': `By=${deps.current().snapshot.workload.spiffeId};URI=${conn.peerIdentity}` };
    const appKey = `${conn.appAddress}:${conn.appPort}`;
    const session = deps.appH2.get(appKey, `http://${appKey}`, () => {
      const sock = netConnect({ host: conn.appAddress, port: conn.appPort });
      sock.setNoDelay(true);
      return sock;
    });
    // Set when the app failed before any response and the stream was answered here.
    let local: { readonly answer: LocalAnswer; readonly sent: number } | undefined;
    const forwarded = forwardableHeaders(headers, extra);
    // The application gets the normalized path that authorization matched, as on HTTP/1.1.
    const normalized = normalizeRequestTarget(rawPath);
    if (normalized !== rawPath) forwarded[':path'] = normalized;
    forwardStream(stream, forwarded, session, (e) => {
      metrics.upstreamFailures.inc(['inbound', 'app_connect']);
      const answer = localAnswer(grpc, 'WEFT_PROXY_UPSTREAM_CONNECT');
      local = { answer, sent: respondLocally(stream, answer, `upstream connect error: ${e.message}`) };
    }, (o) => {
      const durationMs = clock.monotonic() - started;
      // Metrics, edge and log all say what the caller got: a local answer, not "no response".
      const status = local?.answer.status ?? o.status;
      const grpcStatus = local?.answer.grpcStatus ?? o.grpcStatus;
      const classStatus = local?.answer.httpStatus ?? o.status;
      metrics.h2Requests.inc(['inbound', String(grpc), classStatus === 0 ? 'none' : `${Math.floor(classStatus / 100)}xx`]);
      edge.recordRequest(status, grpcStatus, 'allowed', durationMs / 1000);
      if (!deps.current().snapshot.inbound.accessLog) return;
      const error = local !== undefined ? 'WEFT_PROXY_UPSTREAM_CONNECT' : o.error === undefined ? undefined : 'WEFT_PROXY_UPSTREAM_RESET';
      logInboundStream(conn, attrs, headers, grpc, durationMs, status, grpcStatus, o.bytesIn, local?.sent ?? o.bytesOut, 'allowed', verdict.policy, error);
    });
  }

  /** One access-log line for an inbound HTTP/2 or gRPC stream (the caller checked that logging is on). */
  function logInboundStream(
    conn: InboundConnection, attrs: AuthzAttributes, headers: IncomingHttpHeaders, grpc: boolean, durationMs: number, status: number, grpcStatus: number,
    bytesIn: number, bytesOut: number, authz: 'allowed' | 'denied', authzPolicy: string | undefined, error: ErrorCode | undefined,
  ): void {
    const tp = headers['traceparent'];
    const workload = deps.current().snapshot.workload;
    deps.accessLog.log({
      startTime: clock.now() - durationMs, direction: 'inbound', protocol: grpc ? 'grpc' : 'http', method: attrs.method, path: attrs.path, authority: attrs.host,
      status, grpcStatus: grpcStatus < 0 ? undefined : grpcStatus, durationMs, bytesIn, bytesOut,
      sourcePrincipal: conn.peerIdentity, sourceAddress: conn.peerAddress, destinationWorkload: workload.name, destinationNamespace: workload.namespace,
      upstreamAddress: `${conn.appAddress}:${conn.appPort}`, authz, authzPolicy,
      traceId: typeof tp === 'string' ? traceIdOf(tp) : undefined, error,
    });
  }

  return {
    accept(socket, destinationPort) {
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      const gen = deps.current();
      const portRt = gen.inboundByPort.get(destinationPort);
      if (portRt === undefined || deps.ownPorts().has(destinationPort)) {
        metrics.connections.inc(['inbound', 'refused']);
        socket.destroy();
        return;
      }
      const strict = gen.snapshot.mesh.mtlsMode === 'STRICT';
      // STRICT accepts only TLS, so silence is never a reason to decide "plaintext": a peer's ClientHello
      // may come late when either event loop is busy. Wait for the first bytes (bounded like a handshake).
      // PERMISSIVE falls back to plaintext after the short detection timeout (server-first protocols).
      sniffSocket(socket, strict ? STRICT_FIRST_BYTES_TIMEOUT_MS : deps.detectTimeoutMs, (proto, initial) => {
        if (proto === 'tls') {
          pending.set(keyOf(socket), { destinationPort });
          socket.unshift(initial);
          tlsServer.emit('connection', socket);
          return;
        }
        if (strict && initial.length === 0) {
          log.debug('no ClientHello on a STRICT port in time: closed', { port: destinationPort, peer: socket.remoteAddress, timeoutMs: STRICT_FIRST_BYTES_TIMEOUT_MS });
          socket.destroy();
          return;
        }
        if (strict) {
          metrics.plaintextRefused.inc([String(destinationPort)]);
          registry.tlsHandshakeFailure('inbound', 'plaintext');
          log.debug('plaintext refused on a STRICT port', { port: destinationPort, peer: socket.remoteAddress });
          socket.destroy();
          return;
        }
        metrics.connections.inc(['inbound_plaintext', proto]);
        const p: DetectedProtocol = portRt.config.protocol === 'detect' ? proto : protoOfPort(portRt, proto);
        dispatch(p, socket, initial, portRt, undefined);
      });
    },
    h2,
    goAway() {
      closing = true;
      for (const m of muxSessions) m.retire();
    },
    close() {
      this.goAway();
      stopFollowing();
      tlsServer.close();
      h2.destroyAll();
    },
  };
}

function protoOfPort(portRt: InboundPortRuntime, detected: DetectedProtocol): DetectedProtocol {
  switch (portRt.config.protocol) {
    case 'http':
      return 'http1';
    case 'http2':
    case 'grpc':
      return 'h2';
    case 'tcp':
      return 'tcp';
    case 'detect':
      return detected;
  }
}

