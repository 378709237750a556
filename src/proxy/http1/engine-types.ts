/**
 * What the proxy shell hands the HTTP/1.1 engine per inbound connection. Authorization, metrics and
 * the access log are the real modules (src/policy/authz, src/proxy/metrics, src/proxy/telemetry),
 * bound once per connection by the shell, never per request.
 */
import type { CompiledAuthorization } from '../../policy/authz/index.js';
import type { EdgeMetrics } from '../metrics/index.js';
import type { AccessLog } from '../telemetry/index.js';

/** A connection from a peer proxy (or a plaintext client) to one application port. */
export interface InboundConnection {
  /** SPIFFE ID proved by the peer's TLS certificate; undefined = unauthenticated. */
  readonly peerIdentity: string | undefined;
  readonly peerAddress: string;
  /** The application's port the caller meant. */
  readonly destinationPort: number;
  readonly appAddress: string;
  readonly appPort: number;
  /** The authorization in force: read per request, so a policy change applies to kept-alive connections. */
  authorizer(): CompiledAuthorization;
  /** This connection's edge (e.g. `metrics.bindEdge(inboundEdgeLabels(self, peerIdentity, 'http'))`). */
  readonly metrics?: EdgeMetrics;
  /** The workload's inbound access log, when it is on. */
  readonly accessLog?: AccessLog;
}
