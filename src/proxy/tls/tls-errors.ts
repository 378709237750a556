/**
 * Turns a TLS failure (a Node/OpenSSL error on either side of a handshake, or Weft's own identity
 * check) into one of a closed set of reasons, for the `reason` label of handshake-failure metrics
 * and for the reason text of a 503.
 */
export type TlsFailureReason = 'no_client_cert' | 'unknown_ca' | 'expired' | 'not_yet_valid' | 'bad_identity' | 'protocol_version' | 'plaintext' | 'other';

export const tlsFailureReasons: readonly TlsFailureReason[] = Object.freeze([
  'no_client_cert',
  'unknown_ca',
  'expired',
  'not_yet_valid',
  'bad_identity',
  'protocol_version',
  'plaintext',
  'other',
]);

const byCode: ReadonlyMap<string, TlsFailureReason> = new Map<string, TlsFailureReason>([
  // No client certificate: server side, and the TLS 1.3 alert the client receives.
  ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', 'no_client_cert'],
  ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'no_client_cert'],
  // Chain does not lead to a trusted root.
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown_ca'],
  ['UNABLE_TO_GET_ISSUER_CERT', 'unknown_ca'],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unknown_ca'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'unknown_ca'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'unknown_ca'],
  ['CERT_SIGNATURE_FAILURE', 'unknown_ca'],
  ['CERT_UNTRUSTED', 'unknown_ca'],
  ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'unknown_ca'],
  ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'unknown_ca'],
  ['ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR', 'unknown_ca'],
  // Validity period.
  ['CERT_HAS_EXPIRED', 'expired'],
  ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'expired'],
  ['CERT_NOT_YET_VALID', 'not_yet_valid'],
  // Identity.
  ['WEFT_TLS_PEER_IDENTITY', 'bad_identity'],
  ['ERR_TLS_CERT_ALTNAME_INVALID', 'bad_identity'],
  // Version / suite negotiation.
  ['ERR_SSL_UNSUPPORTED_PROTOCOL', 'protocol_version'],
  ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'protocol_version'],
  ['ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'protocol_version'],
  ['ERR_SSL_NO_SHARED_CIPHER', 'protocol_version'],
  ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'protocol_version'],
  // Something that is not TLS at all.
  ['ERR_SSL_HTTP_REQUEST', 'plaintext'],
  ['ERR_SSL_HTTPS_PROXY_REQUEST', 'plaintext'],
  ['ERR_SSL_WRONG_VERSION_NUMBER', 'plaintext'],
  ['ERR_SSL_PACKET_LENGTH_TOO_LONG', 'plaintext'],
  ['ERR_SSL_UNKNOWN_PROTOCOL', 'plaintext'],
  ['WEFT_TLS_PLAINTEXT_REFUSED', 'plaintext'],
]);

/**
 * The reason for a TLS failure; `other` for anything unrecognised (resets, timeouts, bugs).
 * Pass the server-side socket too (the second argument of `tls.Server`'s `tlsClientError`): in
 * TLS 1.3, Node verifies the client's chain after the handshake and then just destroys the socket,
 * so the error says "socket hang up" and the real reason is only in `socket.authorizationError`.
 */
export function classifyTlsError(error: unknown, socket?: { readonly authorizationError?: unknown }): TlsFailureReason {
  const authorizationError = socket?.authorizationError;
  const authCode = typeof authorizationError === 'string' ? authorizationError : codeOf(authorizationError);
  if (authCode !== undefined) {
    const reason = byCode.get(authCode);
    if (reason !== undefined) return reason;
  }
  if (typeof error !== 'object' || error === null) return 'other';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    const reason = byCode.get(code);
    if (reason !== undefined) return reason;
  }
  // Node reports some verification failures only through the message (e.g. `authorizationError`).
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    const reason = byCode.get(message);
    if (reason !== undefined) return reason;
  }
  return 'other';
}

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** An Error carrying a Weft code, as `checkServerIdentity` and server-side checks raise them. */
export function tlsError(code: 'WEFT_TLS_PEER_IDENTITY' | 'WEFT_TLS_PLAINTEXT_REFUSED' | 'WEFT_TLS_HANDSHAKE', message: string): Error & { code: string } {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}
