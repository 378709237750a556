/**
 * Long-lived HTTP/2 client sessions, one per upstream key (a peer proxy endpoint with the identities it
 * may present, or a local application port). Streams multiplex over the session; a session that closes,
 * fails or receives GOAWAY is dropped and the next request opens a new one.
 */
import type { ClientHttp2Session, SecureClientSessionOptions } from 'node:http2';
import type { Duplex } from 'node:stream';
import { loadHttp2 } from './lazy-http2.js';

/** Window sizes from the performance note: a 1 MiB stream window and an 8 MiB session window. */
export const H2_STREAM_WINDOW = 1 << 20;
export const H2_SESSION_WINDOW = 8 << 20;

export interface H2SessionPool {
  /** The session for `key`, opened with `dial` if there is none. */
  get(key: string, authority: string, dial: () => Duplex): ClientHttp2Session;
  /** Sessions currently open (for drain and stats). */
  size(): number;
  /** Closes every session gracefully (in-flight streams finish). */
  closeAll(): void;
}

export function createH2SessionPool(onSessionError: (key: string, e: Error) => void): H2SessionPool {
  const sessions = new Map<string, ClientHttp2Session>();
  const drop = (key: string, s: ClientHttp2Session): void => {
    if (sessions.get(key) === s) sessions.delete(key);
  };
  return {
    get(key, authority, dial) {
      const existing = sessions.get(key);
      if (existing !== undefined && !existing.closed && !existing.destroyed) return existing;
      const options: SecureClientSessionOptions = {
        createConnection: () => dial(),
        settings: { initialWindowSize: H2_STREAM_WINDOW, enablePush: false },
        maxSessionMemory: 64,
      };
      const s = loadHttp2().connect(authority, options);
      sessions.set(key, s);
      s.on('connect', () => {
        try {
          s.setLocalWindowSize(H2_SESSION_WINDOW);
        } catch {
          // the session may already be closing; its streams get the error
        }
      });
      s.on('error', (e: Error) => {
        drop(key, s);
        onSessionError(key, e);
      });
      s.on('goaway', () => drop(key, s));
      s.on('close', () => drop(key, s));
      return s;
    },
    size: () => sessions.size,
    closeAll() {
      for (const s of sessions.values()) s.close();
      sessions.clear();
    },
  };
}
