/**
 * The boundary types of the HTTP/1.1 engine: what the proxy shell hands in per connection, and the
 * small adapter interfaces behind which authorization, metrics, tracing and the access log plug in
 * (their real implementations live in src/policy/authz, src/proxy/metrics and src/proxy/telemetry).
 * Everything here is bound once per connection or per configuration, never per request.
 */
import type { RequestHead } from './codec/index.js';

/** The result of authorizing one HTTP request. */
export interface HttpAuthzDecision {
  readonly allowed: boolean;
  /** `namespace/name` of the policy that decided a denial (shown in the 403 body). */
  readonly policy?: string | undefined;
}

/** The request attributes an inbound authorization needs; the engine passes the parsed head. */
export interface HttpAuthzInput {
  readonly peerIdentity: string | undefined;
  readonly peerAddress: string;
  readonly destinationPort: number;
  readonly head: RequestHead;
}

/** The authorization in force for a connection; `InboundConnection.authorizer()` returns the current one. */
export interface HttpAuthorizer {
  authorizeHttp(input: HttpAuthzInput): HttpAuthzDecision;
}

/** Per-request metrics sink, pre-bound to its label set (service, or connection peer + port). */
export interface RequestRecorder {
  record(status: number, durationMs: number): void;
}

/** Starts a W3C trace context when a request carries none. */
export interface TraceparentSource {
  /** A new `traceparent` value (version 00, sampled flag as configured). */
  next(): string;
}

/** One access-log line per request, only called when the log is on for that direction. */
export interface HttpAccessRecord {
  readonly direction: 'inbound' | 'outbound';
  readonly method: string;
  readonly path: string;
  readonly host: string | undefined;
  readonly status: number;
  readonly durationMs: number;
  readonly peer: string | undefined;
  readonly upstream: string | undefined;
  readonly traceparent: string | undefined;
  readonly error: string | undefined;
}

export interface HttpAccessLog {
  write(record: HttpAccessRecord): void;
}

/** A connection from a peer proxy (or a plaintext client) to one application port. */
export interface InboundConnection {
  /** SPIFFE ID proved by the peer's TLS certificate; undefined = unauthenticated. */
  readonly peerIdentity: string | undefined;
  readonly peerAddress: string;
  /** The application's port the caller meant. */
  readonly destinationPort: number;
  readonly appAddress: string;
  readonly appPort: number;
  /** The current authorizer: read per request so a policy change applies to kept-alive connections. */
  authorizer(): HttpAuthorizer;
  /** Metrics for this connection's requests (bound once per connection). */
  readonly recorder?: RequestRecorder;
  /** Set when the workload's inbound access log is on. */
  readonly accessLog?: HttpAccessLog;
}
