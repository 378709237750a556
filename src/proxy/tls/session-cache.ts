/**
 * A small per-peer cache of TLS sessions for client resumption (a resumed TLS 1.3 handshake skips
 * the certificate exchange and signature checks). Keyed by peer address AND the expected identity
 * set: Node skips `checkServerIdentity` on a resumed session, so a session may only be reused for a
 * connection that would have accepted the same server identity.
 */
export interface SessionCache {
  /** The session for `key`; with `now`, none once the server certificate it was made with has expired. */
  get(key: string, now?: number): Buffer | undefined;
  /** `notAfter`: the expiry of the server certificate verified in the full handshake (epoch ms). */
  set(key: string, session: Buffer, notAfter?: number): void;
  /** The `notAfter` stored with the session for `key`. */
  notAfterOf(key: string): number | undefined;
  clear(): void;
  readonly size: number;
}

/** An LRU of at most `maxEntries` sessions (one per key; the newest ticket wins). */
export function createSessionCache(maxEntries = 256): SessionCache {
  const map = new Map<string, { readonly session: Buffer; readonly notAfter: number }>();
  return {
    get(key, now) {
      const entry = map.get(key);
      if (entry === undefined) return undefined;
      // A resumed session skips certificate checks: never resume past the server certificate's expiry.
      if (now !== undefined && now >= entry.notAfter) {
        map.delete(key);
        return undefined;
      }
      return entry.session;
    },
    notAfterOf(key) {
      return map.get(key)?.notAfter;
    },
    set(key, session, notAfter = Number.POSITIVE_INFINITY) {
      if (map.has(key)) map.delete(key);
      else if (map.size >= maxEntries) {
        const oldest = map.keys().next();
        if (oldest.done !== true) map.delete(oldest.value);
      }
      map.set(key, { session, notAfter });
    },
    clear() {
      map.clear();
    },
    get size() {
      return map.size;
    },
  };
}
