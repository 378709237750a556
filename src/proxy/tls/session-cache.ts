/**
 * A small per-peer cache of TLS sessions for client resumption (a resumed TLS 1.3 handshake skips
 * the certificate exchange and signature checks). Keyed by peer address AND the expected identity
 * set: Node skips `checkServerIdentity` on a resumed session, so a session may only be reused for a
 * connection that would have accepted the same server identity.
 */
export interface SessionCache {
  get(key: string): Buffer | undefined;
  set(key: string, session: Buffer): void;
  clear(): void;
  readonly size: number;
}

/** An LRU of at most `maxEntries` sessions (one per key; the newest ticket wins). */
export function createSessionCache(maxEntries = 256): SessionCache {
  const map = new Map<string, Buffer>();
  return {
    get(key) {
      return map.get(key);
    },
    set(key, session) {
      if (map.has(key)) map.delete(key);
      else if (map.size >= maxEntries) {
        const oldest = map.keys().next();
        if (oldest.done !== true) map.delete(oldest.value);
      }
      map.set(key, session);
    },
    clear() {
      map.clear();
    },
    get size() {
      return map.size;
    },
  };
}
