import type { ErrorCode } from './errors.js';

/** How an error code answers on the wire: HTTP status and gRPC status code (the numeric `grpc-status`). */
export interface WireStatus {
  readonly http: number;
  readonly grpc: number;
}

// gRPC status codes (grpc/doc/statuscodes.md).
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_NOT_FOUND = 5;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_INTERNAL = 13;
const GRPC_UNAVAILABLE = 14;
const GRPC_UNAUTHENTICATED = 16;

const table: Record<ErrorCode, WireStatus> = {
  WEFT_CONFIG_INVALID: { http: 400, grpc: GRPC_INVALID_ARGUMENT },
  WEFT_CONFIG_PARSE: { http: 400, grpc: GRPC_INVALID_ARGUMENT },
  WEFT_CONFIG_UNKNOWN_KIND: { http: 400, grpc: GRPC_INVALID_ARGUMENT },
  WEFT_CONFIG_REFERENCE: { http: 422, grpc: GRPC_FAILED_PRECONDITION },
  WEFT_CONFIG_IO: { http: 500, grpc: GRPC_INTERNAL },
  WEFT_AUTHZ_DENIED: { http: 403, grpc: GRPC_PERMISSION_DENIED },
  WEFT_AUTHZ_POLICY_INVALID: { http: 400, grpc: GRPC_INVALID_ARGUMENT },
  WEFT_AUTHZ_UNSUPPORTED: { http: 400, grpc: GRPC_INVALID_ARGUMENT },
  WEFT_TLS_HANDSHAKE: { http: 503, grpc: GRPC_UNAVAILABLE },
  WEFT_TLS_PEER_IDENTITY: { http: 503, grpc: GRPC_UNAVAILABLE },
  WEFT_TLS_PLAINTEXT_REFUSED: { http: 403, grpc: GRPC_UNAUTHENTICATED },
  WEFT_TLS_MATERIAL_INVALID: { http: 503, grpc: GRPC_UNAVAILABLE },
  WEFT_CA_CSR_INVALID: { http: 400, grpc: GRPC_INVALID_ARGUMENT },
  WEFT_CA_IDENTITY_NOT_GRANTED: { http: 403, grpc: GRPC_PERMISSION_DENIED },
  WEFT_CA_MATERIAL_INVALID: { http: 500, grpc: GRPC_FAILED_PRECONDITION },
  WEFT_CAPTURE_ORIGINAL_DST: { http: 503, grpc: GRPC_UNAVAILABLE },
  WEFT_CAPTURE_LOOP: { http: 508, grpc: GRPC_FAILED_PRECONDITION },
  WEFT_PROXY_NO_ROUTE: { http: 404, grpc: GRPC_NOT_FOUND },
  WEFT_PROXY_UPSTREAM_CONNECT: { http: 503, grpc: GRPC_UNAVAILABLE },
  WEFT_PROXY_UPSTREAM_RESET: { http: 502, grpc: GRPC_UNAVAILABLE },
  WEFT_PROXY_UPSTREAM_TIMEOUT: { http: 504, grpc: GRPC_DEADLINE_EXCEEDED },
  WEFT_PROXY_BAD_REQUEST: { http: 400, grpc: GRPC_INTERNAL },
  WEFT_PROXY_HEAD_TOO_LARGE: { http: 431, grpc: GRPC_RESOURCE_EXHAUSTED },
  WEFT_PROXY_DRAINING: { http: 503, grpc: GRPC_UNAVAILABLE },
  WEFT_PROXY_NOT_READY: { http: 503, grpc: GRPC_UNAVAILABLE },
  WEFT_RUNTIME_UNAVAILABLE: { http: 501, grpc: GRPC_FAILED_PRECONDITION },
  WEFT_CONTROL_UNAVAILABLE: { http: 503, grpc: GRPC_UNAVAILABLE },
  WEFT_INTERNAL: { http: 500, grpc: GRPC_INTERNAL },
};

/** The one place that maps error codes to HTTP and gRPC status. */
export function wireStatusOf(code: ErrorCode): WireStatus {
  return table[code];
}
