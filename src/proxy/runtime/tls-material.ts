/**
 * The proxy's own identity material as TLS contexts, built once per certificate (and rebuilt when the
 * files change: rotation applies to new connections, open ones keep theirs). Also the small helpers the
 * shell needs at its TLS edges: the peer's SPIFFE ID, the server-identity check for the client side,
 * and a closed set of reasons for handshake failures.
 */
import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import type { PeerCertificate, SecureContext, TLSSocket } from 'node:tls';
import { createSecureContext } from 'node:tls';
import { weftError, type WeftError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';

export interface MeshTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

export interface MeshTls {
  /** The context for new inbound (server) handshakes. */
  serverContext(): SecureContext;
  /** The context for new outbound (client) handshakes. */
  clientContext(): SecureContext;
  /** The PEM material, for `tls.Server#setSecureContext` on rotation. */
  pem(): { readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer };
  /** Called after a rotation with the new contexts in force. */
  onRotate(listener: () => void): void;
  close(): void;
}

interface Material {
  readonly server: SecureContext;
  readonly client: SecureContext;
  readonly pem: { readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer };
}

const protocolOptions = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;

function build(files: MeshTlsFiles): Result<Material, WeftError> {
  try {
    const cert = readFileSync(files.certFile);
    const key = readFileSync(files.keyFile);
    const ca = readFileSync(files.caFile);
    const server = createSecureContext({ cert, key, ca, ...protocolOptions });
    const client = createSecureContext({ cert, key, ca, ...protocolOptions });
    return ok({ server, client, pem: { cert, key, ca } });
  } catch (e) {
    return err(weftError('WEFT_TLS_HANDSHAKE', `cannot load the proxy's certificate: ${e instanceof Error ? e.message : String(e)}`, files.certFile));
  }
}

/** Loads the files once (failing with a clear error), then watches them for rotation. */
export function loadMeshTls(files: MeshTlsFiles, onError: (e: WeftError) => void): Result<MeshTls, WeftError> {
  const first = build(files);
  if (!first.ok) return first;
  let current = first.value;
  const listeners: (() => void)[] = [];
  const reload = (): void => {
    const next = build(files);
    if (!next.ok) {
      onError(next.error);
      return;
    }
    current = next.value;
    for (const l of listeners) l();
  };
  const watched = [files.certFile, files.keyFile, files.caFile];
  for (const f of watched) watchFile(f, { interval: 500, persistent: false }, reload);
  return ok({
    serverContext: () => current.server,
    clientContext: () => current.client,
    pem: () => current.pem,
    onRotate: (l) => void listeners.push(l),
    close: () => {
      for (const f of watched) unwatchFile(f, reload);
    },
  });
}

/** The SPIFFE ID in a certificate's URI SAN, or undefined. */
export function spiffeIdOf(cert: PeerCertificate | undefined): string | undefined {
  const san = cert?.subjectaltname;
  if (san === undefined) return undefined;
  for (const part of san.split(', ')) {
    if (part.startsWith('URI:spiffe://')) return part.slice(4);
  }
  return undefined;
}

/** The verified peer's SPIFFE ID; read once per connection and cached by the caller. */
export function peerSpiffeId(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  return spiffeIdOf(socket.getPeerCertificate());
}

/**
 * A `checkServerIdentity` for `tls.connect`: the server must present one of `allowed`. Host names do not
 * matter between proxies; the SPIFFE ID is the identity.
 */
export function createSpiffeCheck(allowed: ReadonlySet<string>): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const id = spiffeIdOf(cert);
    if (id !== undefined && allowed.has(id)) return undefined;
    const e = new Error(`server identity ${id ?? '(none)'} is not one of ${[...allowed].join(', ')}`);
    (e as Error & { code: string }).code = 'WEFT_TLS_PEER_IDENTITY';
    return e;
  };
}

export type TlsFailureReason = 'no_client_cert' | 'unknown_ca' | 'expired' | 'bad_certificate' | 'peer_identity' | 'protocol' | 'alpn' | 'reset' | 'timeout' | 'other';

/** Maps a TLS error to a closed set of reasons for metrics and logs. */
export function classifyTlsError(e: unknown): TlsFailureReason {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'WEFT_TLS_PEER_IDENTITY') return 'peer_identity';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' || msg.includes('peer did not return a certificate') || msg.includes('CERTIFICATE_REQUIRED')) return 'no_client_cert';
  if (code === 'CERT_HAS_EXPIRED' || msg.includes('certificate expired') || msg.includes('CERTIFICATE_EXPIRED')) return 'expired';
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || msg.includes('unknown ca') || msg.includes('UNKNOWN_CA') || msg.includes('certificate verify failed')) return 'unknown_ca';
  if (msg.includes('BAD_CERTIFICATE') || msg.includes('bad certificate')) return 'bad_certificate';
  if (msg.includes('ALPN') || msg.includes('no application protocol')) return 'alpn';
  if (code.startsWith('ERR_SSL_') || msg.includes('wrong version number') || msg.includes('unsupported protocol') || msg.includes('http request')) return 'protocol';
  return 'other';
}
