/**
 * The proxy's own identity material as TLS contexts, built once per certificate (and rebuilt when the
 * files change: rotation applies to new connections, open ones keep theirs). The SPIFFE checks, peer
 * identity and failure reasons are in `src/proxy/tls/`.
 */
import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import type { SecureContext } from 'node:tls';
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
