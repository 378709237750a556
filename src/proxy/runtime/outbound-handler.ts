/**
 * The outbound side: an application's plaintext connection (captured on 15001 and mapped to a service by
 * its original destination, or accepted on a service's explicit listener) goes by the service's protocol
 * (or by detection) to the HTTP/1.1 engine, to HTTP/2 streams over a pooled mTLS session to the peer
 * proxy (ALPN h2), or to an opaque TCP tunnel over mTLS (ALPN weft-tcp). The server's SPIFFE ID must be
 * one the snapshot lists for the service.
 */
import type { Socket } from 'node:net';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { ErrorCode } from '../../core/errors.js';
import type { DetectedProtocol } from '../detect/detect-protocol.js';
import { sniffSocket } from '../detect/sniff-socket.js';
import { createH2Front, type H2Front } from '../http2/h2-front.js';
import { forwardStream, forwardableHeaders, isGrpc, localAnswer, respondLocally, type LocalAnswer } from '../http2/h2-forward.js';
import type { H2SessionPool } from '../http2/h2-session-pool.js';
import type { Endpoint } from '../snapshot/proxy-snapshot.js';
import { joinTunnel } from '../tcp/tcp-tunnel.js';
import type { OutboundServiceRuntime } from './generation.js';
import type { Http1EnginePort } from './http1-port.js';
import { ALPN_H2, ALPN_TCP } from './inbound-handler.js';
import type { Log } from './log.js';
import type { ShellMetrics } from './shell-metrics.js';
import type { TlsCredentials } from '../tls/tls-credentials.js';
import type { Clock } from '../../core/clock.js';
import type { AccessLog } from '../telemetry/access-log.js';
import { formatTraceparent, traceIdOf, type TraceIds } from '../telemetry/index.js';
import { outboundEdgeLabels, type ProxyMetrics } from '../metrics/index.js';
import { classifyTlsError } from '../tls/tls-errors.js';
import { CLIENT_RETIRE_BEFORE_MS, armConnectionExpiry, expiredAtConnect } from '../tls/connection-expiry.js';
import type { Generation } from './generation.js';

export interface OutboundDeps {
  readonly log: Log;
  readonly metrics: ShellMetrics;
  readonly registry: ProxyMetrics;
  readonly accessLog: AccessLog;
  readonly clock: Clock;
  readonly current: () => Generation;
  /** The proxy's identity: each dial uses the context in force (built once per rotation). */
  readonly tls: TlsCredentials;
  readonly http1: Http1EnginePort | undefined;
  readonly peerH2: H2SessionPool;
  /** W3C trace context: propagated (as a child) or started when a request has none. */
  readonly traceIds: TraceIds;
  readonly detectTimeoutMs: number;
}

/** Finds the service in the generation in force (read per connection and per HTTP/2 stream). */
export type ServiceResolver = () => OutboundServiceRuntime | undefined;

export interface OutboundHandler {
  accept(socket: Socket, resolve: ServiceResolver): void;
  readonly h2: H2Front<ServiceResolver>;
  /** Open outbound TCP tunnels, for drain. */
  openTunnels(): number;
  closeTunnels(): void;
}

export function createOutboundHandler(deps: OutboundDeps): OutboundHandler {
  const { log, metrics, registry, clock } = deps;
  const tunnels = new Set<Socket>();
  const h2 = createH2Front<ServiceResolver>(onOutboundStream, (where, e) => {
    metrics.unexpectedErrors.inc([where]);
    log.debug('outbound h2 error', { where, error: String(e) });
  });

  /**
   * An mTLS connection to a peer proxy for a TCP tunnel or an HTTP/2 session, through the credentials'
   * `connect`: the identity check, and TLS session resumption (a full handshake costs ~1.5 ms of CPU
   * on each side, so a client that opens a connection per call should not pay it every time).
   */
  function dialPeer(ep: Endpoint, svc: OutboundServiceRuntime, alpn: typeof ALPN_TCP | typeof ALPN_H2): TLSSocket {
    const s = deps.tls.connect({ host: ep.address, port: ep.port, expectedIds: svc.service.identities, alpn: [alpn] });
    s.setNoDelay(true);
    s.once('secureConnect', () => metrics.meshDials.inc([alpn === ALPN_TCP ? 'tcp' : 'h2', s.isSessionReused() ? 'true' : 'false']));
    return s;
  }

  function dispatch(proto: DetectedProtocol, s: Socket, initial: Buffer, svc: OutboundServiceRuntime, resolve: ServiceResolver): void {
    metrics.connections.inc(['outbound', proto]);
    switch (proto) {
      case 'http1':
        if (deps.http1 === undefined) {
          s.end('HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
          return;
        }
        deps.http1.serveOutbound(s, initial, svc.http1);
        return;
      case 'h2':
        h2.serve(s, initial, resolve);
        return;
      case 'tcp':
      case 'tls':
        tunnelToPeer(s, initial, svc);
        return;
    }
  }

  function tunnelToPeer(s: Socket, initial: Buffer, svc: OutboundServiceRuntime): void {
    const ep = svc.pickEndpoint();
    if (ep === undefined) {
      metrics.upstreamFailures.inc(['outbound', 'no_endpoint']);
      s.destroy();
      return;
    }
    s.pause();
    const up = dialPeer(ep, svc, ALPN_TCP);
    const label = svc.label;
    let ready = false;
    const onEarlyError = (e: Error): void => {
      if (ready) return;
      const reason = classifyTlsError(e);
      if (reason !== 'other') registry.tlsHandshakeFailure('outbound', reason);
      metrics.upstreamFailures.inc(['outbound', reason === 'other' ? 'connect' : reason]);
      log.debug('outbound tcp connect failed', { service: label, endpoint: `${ep.address}:${ep.port}`, error: e.message });
      s.destroy();
      up.destroy();
    };
    up.once('error', onEarlyError);
    s.once('close', () => {
      if (!ready) up.destroy();
    });
    up.once('secureConnect', () => {
      if (up.alpnProtocol !== ALPN_TCP) {
        onEarlyError(new Error('peer did not negotiate ALPN weft-tcp'));
        return;
      }
      // The tunnel must not outlive either certificate (the server closes it then too); one whose
      // certificate expired already (ours: TLS 1.3 lets the server refuse it only after this) fails now.
      const deadline = deps.tls.connectionDeadline(up);
      const expired = expiredAtConnect(deadline, clock.now());
      if (expired !== undefined) {
        onEarlyError(expired);
        return;
      }
      ready = true;
      up.off('error', onEarlyError);
      armConnectionExpiry(up, deadline, clock, { onExpire: () => up.destroy() });
      tunnels.add(s);
      const edge = registry.bindEdge(outboundEdgeLabels(deps.current().snapshot.workload, svc.service, 'tcp', ep.identity));
      edge.connectionOpened();
      const startTime = clock.now();
      const logOn = deps.current().snapshot.outbound.accessLog;
      joinTunnel(s, up, initial, edge, (e, { bytesIn, bytesOut }) => {
        tunnels.delete(s);
        edge.connectionClosed();
        if (logOn) {
          deps.accessLog.log({
            startTime, direction: 'outbound', protocol: 'tcp', durationMs: clock.now() - startTime, bytesIn, bytesOut,
            destinationService: `${svc.service.name}.${svc.service.namespace}`, destinationPrincipal: ep.identity,
            upstreamAddress: `${ep.address}:${ep.port}`, error: e === undefined ? undefined : e.message,
          });
        }
      });
    });
  }

  function onOutboundStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, resolve: ServiceResolver): void {
    const started = clock.monotonic();
    const grpc = isGrpc(headers);
    const svc = resolve();
    const logOn = deps.current().snapshot.outbound.accessLog;
    // Read now: once the stream is over its session may be gone (and its socket proxy throws then).
    const source = logOn ? stream.session?.socket.remoteAddress : undefined;
    /** Answers locally and counts it; what was sent is for the access log. */
    const fail = (code: LocalFailure, msg: string): LocalReply => {
      const answer = localAnswer(grpc, localStatusCode(code));
      metrics.h2Requests.inc(['outbound', String(grpc), `${Math.floor(answer.httpStatus / 100)}xx`]);
      return { code, answer, sent: respondLocally(stream, answer, msg) };
    };
    if (svc === undefined) {
      const reply = fail('WEFT_PROXY_NO_ROUTE', 'no service for this listener');
      if (logOn) logEarlyFailure(source, headers, started, reply, undefined);
      return;
    }
    const ep = svc.pickEndpoint();
    if (ep === undefined) {
      metrics.upstreamFailures.inc(['outbound', 'no_endpoint']);
      const reply = fail('WEFT_PROXY_UPSTREAM_CONNECT', `no healthy upstream for ${svc.label}`);
      if (logOn) logEarlyFailure(source, headers, started, reply, svc);
      return;
    }
    const edge = registry.bindEdge(outboundEdgeLabels(deps.current().snapshot.workload, svc.service, grpc ? 'grpc' : 'http', ep.identity));
    const key = `${ep.address}:${ep.port}|${svc.service.identities.join(',')}`;
    const session = deps.peerH2.get(key, `https://${ep.address}:${ep.port}`, () => {
      const sock = dialPeer(ep, svc, ALPN_H2);
      // The session must not outlive either certificate: no new streams just ahead of the first
      // expiry (the pool opens a new session), closed at it (the server closes it then too).
      sock.once('secureConnect', () => {
        const deadline = deps.tls.connectionDeadline(sock);
        const expired = expiredAtConnect(deadline, clock.now());
        if (expired !== undefined) {
          // Not from inside 'secureConnect': the HTTP/2 session sets itself up on this same event, after
          // this listener, and a socket destroyed under it aborts the process (node_http2 assertion).
          process.nextTick(() => sock.destroy(expired));
          return;
        }
        armConnectionExpiry(sock, deadline, clock, {
          retireBeforeMs: CLIENT_RETIRE_BEFORE_MS,
          onRetire: () => session.close(),
          onExpire: () => sock.destroy(),
        });
      });
      return sock;
    });
    const tp = headers['traceparent'];
    const trace = deps.traceIds.outgoing(typeof tp === 'string' ? tp : undefined);
    const traceparent = formatTraceparent(trace);
    // Set when the peer failed before any response and the stream was answered here (for the access log).
    let local: LocalReply | undefined;
    forwardStream(stream, forwardableHeaders(headers, { traceparent }), session, (e) => {
      // A failed session cancels its pending streams; the cause says why (e.g. the identity check).
      const cause = e.cause instanceof Error ? e.cause : e;
      const reason = classifyTlsError(cause);
      if (reason !== 'other') registry.tlsHandshakeFailure('outbound', reason);
      metrics.upstreamFailures.inc(['outbound', reason === 'other' ? 'connect' : reason]);
      local = reason === 'bad_identity'
        ? fail('WEFT_TLS_PEER_IDENTITY', `upstream identity check failed: ${cause.message}`)
        : fail('WEFT_PROXY_UPSTREAM_CONNECT', `upstream connect error: ${cause.message}`);
      edge.recordRequest(local.answer.status, local.answer.grpcStatus, 'none', (clock.monotonic() - started) / 1000);
    }, (o) => {
      if (o.status !== 0) {
        metrics.h2Requests.inc(['outbound', String(grpc), `${Math.floor(o.status / 100)}xx`]);
        edge.recordRequest(o.status, o.grpcStatus, 'none', (clock.monotonic() - started) / 1000);
      }
      if (!logOn) return;
      // The line says what the caller got: this proxy's answer when the peer failed before responding.
      const status = local?.answer.status ?? o.status;
      const grpcStatus = local?.answer.grpcStatus ?? o.grpcStatus;
      const error = local?.code ?? (o.error === undefined ? undefined : 'WEFT_PROXY_UPSTREAM_RESET');
      logOutboundStream(source, headers, grpc, clock.monotonic() - started, status, grpcStatus, o.bytesIn, local?.sent ?? o.bytesOut, svc, ep, trace.traceId, error);
    });
  }

  /** The line of a stream that failed in this proxy before it was sent on (no service, no ready endpoint). */
  function logEarlyFailure(source: string | undefined, headers: IncomingHttpHeaders, started: number, reply: LocalReply, svc: OutboundServiceRuntime | undefined): void {
    const tp = headers['traceparent'];
    const traceId = typeof tp === 'string' ? traceIdOf(tp) : undefined;
    const { answer } = reply;
    logOutboundStream(source, headers, answer.grpc, clock.monotonic() - started, answer.status, answer.grpcStatus, 0, reply.sent, svc, undefined, traceId, reply.code);
  }

  /** One access-log line for an outbound HTTP/2 or gRPC stream (the caller checked that logging is on). */
  function logOutboundStream(
    source: string | undefined, headers: IncomingHttpHeaders, grpc: boolean, durationMs: number, status: number, grpcStatus: number, bytesIn: number, bytesOut: number,
    svc: OutboundServiceRuntime | undefined, ep: Endpoint | undefined, traceId: string | undefined, error: ErrorCode | undefined,
  ): void {
    const rawPath = headers[':path'] ?? '/';
    const q = rawPath.indexOf('?');
    deps.accessLog.log({
      startTime: clock.now() - durationMs, direction: 'outbound', protocol: grpc ? 'grpc' : 'http',
      method: headers[':method'], path: q < 0 ? rawPath : rawPath.slice(0, q), authority: headers[':authority'],
      status, grpcStatus: grpcStatus < 0 ? undefined : grpcStatus, durationMs, bytesIn, bytesOut,
      sourceAddress: source,
      destinationService: svc === undefined ? undefined : `${svc.service.name}.${svc.service.namespace}`,
      destinationPrincipal: ep?.identity, upstreamAddress: ep === undefined ? undefined : `${ep.address}:${ep.port}`,
      traceId, error,
    });
  }

  return {
    accept(socket, resolve) {
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      const svc = resolve();
      if (svc === undefined) {
        metrics.upstreamFailures.inc(['outbound', 'no_service']);
        socket.destroy();
        return;
      }
      switch (svc.service.protocol) {
        case 'http':
          dispatch('http1', socket, Buffer.alloc(0), svc, resolve);
          return;
        case 'http2':
        case 'grpc':
          dispatch('h2', socket, Buffer.alloc(0), svc, resolve);
          return;
        case 'tcp':
          dispatch('tcp', socket, Buffer.alloc(0), svc, resolve);
          return;
        case 'detect':
          sniffSocket(socket, deps.detectTimeoutMs, (p, initial) => dispatch(p, socket, initial, svc, resolve));
          return;
      }
    },
    h2,
    openTunnels: () => tunnels.size,
    closeTunnels() {
      for (const s of tunnels) s.destroy();
    },
  };
}

/** Why an outbound stream was answered by this proxy. */
type LocalFailure = 'WEFT_PROXY_NO_ROUTE' | 'WEFT_PROXY_UPSTREAM_CONNECT' | 'WEFT_TLS_PEER_IDENTITY';

/** A stream this proxy answered itself: why, with what, and the body bytes sent. */
interface LocalReply {
  readonly code: LocalFailure;
  readonly answer: LocalAnswer;
  readonly sent: number;
}

/** The code whose status answers a local failure: no service answers as unreachable (503/UNAVAILABLE), as before. */
function localStatusCode(code: LocalFailure): ErrorCode {
  return code === 'WEFT_PROXY_NO_ROUTE' ? 'WEFT_PROXY_UPSTREAM_CONNECT' : code;
}
