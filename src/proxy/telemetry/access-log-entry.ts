/** What one access-log line says: one request (HTTP, gRPC) or one TCP connection. */

export type AccessLogProtocol = 'http' | 'grpc' | 'tcp';

/** One logged request or connection. Absent fields are left out of the line. */
export interface AccessLogEntry {
  /** When the request or connection started, epoch milliseconds. */
  readonly startTime: number;
  readonly direction: 'inbound' | 'outbound';
  readonly protocol: AccessLogProtocol;
  readonly method?: string | undefined;
  readonly path?: string | undefined;
  readonly authority?: string | undefined;
  /** HTTP status sent downstream; 0 when none was sent. */
  readonly status?: number | undefined;
  readonly grpcStatus?: number | undefined;
  readonly durationMs: number;
  /** Bytes received from the downstream caller. */
  readonly bytesIn: number;
  /** Bytes sent to the downstream caller. */
  readonly bytesOut: number;
  readonly sourcePrincipal?: string | undefined;
  readonly sourceAddress?: string | undefined;
  readonly destinationService?: string | undefined;
  readonly destinationWorkload?: string | undefined;
  readonly destinationNamespace?: string | undefined;
  readonly destinationPrincipal?: string | undefined;
  readonly upstreamAddress?: string | undefined;
  readonly authz?: 'allowed' | 'denied' | 'none' | undefined;
  /** `ns/name` of the policy that decided, if any. */
  readonly authzPolicy?: string | undefined;
  readonly traceId?: string | undefined;
  /** A Weft error code when the request failed in the proxy (e.g. WEFT_PROXY_UPSTREAM_CONNECT). */
  readonly error?: string | undefined;
}
