/**
 * The one table of error codes (CONVENTIONS §8). Every expected failure in Weft carries one of these
 * stable codes, `WEFT_<AREA>_<REASON>`; `src/core/status-map.ts` maps each to HTTP and gRPC status.
 * Add new codes here, grouped by area, with a one-line meaning.
 */
export const errorCodes = {
  // configuration model
  WEFT_CONFIG_INVALID: 'a resource does not match its schema',
  WEFT_CONFIG_PARSE: 'a manifest is not valid YAML or JSON',
  WEFT_CONFIG_UNKNOWN_KIND: 'a manifest names a kind Weft does not know',
  WEFT_CONFIG_REFERENCE: 'a resource refers to another that is not there',
  WEFT_CONFIG_IO: 'a manifest file could not be read',
  // authorization
  WEFT_AUTHZ_DENIED: 'an authorization policy denied the request',
  WEFT_AUTHZ_POLICY_INVALID: 'an authorization policy holds a value that cannot be compiled (a bad pattern, CIDR or port)',
  WEFT_AUTHZ_UNSUPPORTED: 'an authorization policy uses a field or condition key Weft does not support',
  // transport and identity
  WEFT_TLS_HANDSHAKE: 'the TLS handshake failed',
  WEFT_TLS_PEER_IDENTITY: "the peer's certificate does not carry an expected SPIFFE ID",
  WEFT_TLS_PLAINTEXT_REFUSED: 'plaintext was refused on a STRICT mutual-TLS port',
  WEFT_TLS_MATERIAL_INVALID: 'a certificate, key or CA bundle is unreadable, mismatched or not a valid SPIFFE identity',
  // certificate authority
  WEFT_CA_CSR_INVALID: 'a certificate signing request is malformed or its signature does not verify',
  WEFT_CA_IDENTITY_NOT_GRANTED: 'a certificate signing request asks for an identity the caller was not granted',
  WEFT_CA_MATERIAL_INVALID: 'the CA certificate or key is unreadable, mismatched or not a CA',
  WEFT_CA_TOKEN_INVALID: 'a certificate request came without a bootstrap token, or with one the CA does not know',
  WEFT_CA_TOKEN_REVOKED: 'the bootstrap token of a certificate request was revoked',
  WEFT_CA_TOKEN_EXPIRED: 'the bootstrap token of a certificate request has expired',
  WEFT_CA_TOKEN_NOT_FOUND: 'no bootstrap token has that id',
  WEFT_CA_TOKEN_SPEC_INVALID: 'a bootstrap token request names no valid namespace, service account or expiry',
  WEFT_CA_STATE_IO: "the CA's files under $WEFT_HOME/ca could not be read or written",
  WEFT_CA_UNAVAILABLE: 'the certificate authority could not be reached or gave no usable answer',
  // traffic capture
  WEFT_CAPTURE_ORIGINAL_DST: 'the original destination of a captured connection could not be read',
  WEFT_CAPTURE_LOOP: 'a captured connection points at the proxy itself (it was not redirected)',
  // proxying
  WEFT_PROXY_NO_ROUTE: 'no service or route matches the request',
  WEFT_PROXY_UPSTREAM_CONNECT: 'the upstream could not be reached',
  WEFT_PROXY_UPSTREAM_RESET: 'the upstream closed or reset the connection before a full response',
  WEFT_PROXY_UPSTREAM_TIMEOUT: 'the upstream did not answer in time',
  WEFT_PROXY_BAD_REQUEST: 'the request is malformed',
  WEFT_PROXY_HEAD_TOO_LARGE: 'the request head is larger than allowed',
  WEFT_PROXY_DRAINING: 'the proxy is shutting down',
  WEFT_PROXY_NOT_READY: 'the proxy has no configuration or certificate yet',
  // runtime and control plane
  WEFT_RUNTIME_UNAVAILABLE: 'a runtime feature is not available on this machine',
  WEFT_CONTROL_UNAVAILABLE: 'the control plane cannot be reached',
  WEFT_CONTROL_UNAUTHENTICATED: 'a write to the control plane API came without a valid admin token',
  WEFT_CONTROL_BAD_REQUEST: 'a request to the control plane API is malformed (bad JSON, unknown kind, missing name)',
  WEFT_CONTROL_NOT_FOUND: 'the control plane API has no such endpoint',
  WEFT_CONTROL_IDENTITY_MISMATCH: "a proxy's certificate identity does not match the workload it subscribes as",
  WEFT_CONTROL_SUPERSEDED: 'a newer stream from the same proxy replaced this one',
  // resource store
  WEFT_STORE_NOT_FOUND: 'no resource of that kind, namespace and name is stored',
  WEFT_STORE_CONFLICT: 'the resourceVersion given is not the stored one (someone else changed the resource), or it already exists',
  WEFT_STORE_VERSION_EXPIRED: 'a watch asked for changes older than the store still remembers; list again',
  WEFT_STORE_IO: 'the store could not read or write its files',
  WEFT_STORE_CORRUPT: 'the store files hold a record that cannot be read (not a torn last write)',
  WEFT_INTERNAL: 'a bug: something that should not happen did',
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** A failure with a stable code, a message for people, and where it happened when that is known. */
export interface WeftError {
  readonly code: ErrorCode;
  readonly message: string;
  /** Where the problem is: a file, a field path, a policy name, an address. */
  readonly where?: string;
}

export function weftError(code: ErrorCode, message: string, where?: string): WeftError {
  return where === undefined ? { code, message } : { code, message, where };
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCodes, value);
}
