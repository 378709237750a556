/**
 * Where a pooled connection goes, built once at configuration time (never per request): the pool
 * key string is precomputed so a lookup costs one Map access.
 */
export interface UpstreamTarget {
  /** The pool key: one idle stack per key. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  /** SPIFFE IDs the server may present (mutual TLS); undefined for a plaintext target. */
  readonly identities: ReadonlySet<string> | undefined;
  /** Shown in error messages and logs. */
  readonly label: string;
}

/** A peer proxy reached over mutual TLS; one pool per (address, port, accepted identity set). */
export function createTlsTarget(address: string, port: number, identities: readonly string[]): UpstreamTarget {
  const ids = [...new Set(identities)].sort();
  return Object.freeze({
    key: `tls|${address}|${port}|${ids.join(',')}`,
    address,
    port,
    identities: new Set(ids),
    label: `${address}:${port}`,
  });
}

/** A plaintext target, such as the local application. */
export function createPlainTarget(address: string, port: number): UpstreamTarget {
  return Object.freeze({ key: `tcp|${address}|${port}`, address, port, identities: undefined, label: `${address}:${port}` });
}
