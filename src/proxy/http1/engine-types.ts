/**
 * The boundary types of the HTTP/1.1 engine: what the proxy shell hands in per connection, and the
 * small adapter interfaces behind which authorization and metrics plug in (the shell adapts
 * src/policy/authz and src/proxy/metrics to them; `createHttpAuthorizer` is a ready adapter).
 * Everything here is bound once per connection or per configuration, never per request.
 */
import type { AuthzResultLabel } from '../metrics/index.js';
import type { AccessLog } from '../telemetry/index.js';
import type { RequestHead } from './codec/index.js';

/** The result of authorizing one HTTP request (`AuthzDecision` of src/policy/authz fits). */
export interface HttpAuthzDecision {
  readonly allowed: boolean;
  /** `namespace/name` of the policy that decided (named in the 403 body). */
  readonly policy?: string | undefined;
  /** A short reason, shown when no policy decided (e.g. the mesh default). */
  readonly reason?: string | undefined;
}

/** The attributes of one inbound request; `head` is the parsed request head (method, path, host, header()). */
export interface HttpAuthzInput {
  readonly peerIdentity: string | undefined;
  readonly peerAddress: string;
  readonly destinationPort: number;
  readonly head: RequestHead;
}

/** The authorization in force; `InboundConnection.authorizer()` returns the current one per request. */
export interface HttpAuthorizer {
  authorizeHttp(input: HttpAuthzInput): HttpAuthzDecision;
}

/** Per-request metrics, pre-bound to its labels (service, or peer + port); e.g. an `EdgeMetrics` adapter. */
export interface RequestRecorder {
  /** One finished request: the status sent (0 = none), its duration, and the authorization result. */
  record(status: number, durationMs: number, authz: AuthzResultLabel): void;
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
  /** The workload's inbound access log (src/proxy/telemetry), when it is on. */
  readonly accessLog?: AccessLog;
}

/**
 * The downstream side of an HTTP/1.1 session: an accepted socket (plaintext or TLS), or a stream of a
 * `weft-mux` connection from a peer proxy (src/proxy/mux), which behaves like one.
 */
export interface ClientTransport {
  write(data: Buffer): boolean;
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  setNoDelay(noDelay?: boolean): void;
  /** Calls `callback` (with the transport as `this`) after `ms`; used to bound a graceful close. */
  setTimeout(ms: number, callback?: () => void): void;
  readonly destroyed: boolean;
  readonly remoteAddress?: string | undefined;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'drain' | 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
