/**
 * The accepting side of the HTTP/2 path: one `http2` server object (never listening itself) that takes
 * connections the shell has already accepted, detected and maybe TLS-terminated, and hands each stream to
 * `onStream` with the connection's context. Tracks open sessions and streams for drain. The server object
 * (and `node:http2` with it) is made on the first connection: a proxy that never sees HTTP/2 never loads it.
 */
import type { Http2Server, Http2Session, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { H2_SESSION_WINDOW, H2_STREAM_WINDOW } from './h2-session-pool.js';
import { loadHttp2 } from './lazy-http2.js';

export interface H2Front<C> {
  /** Takes over an accepted connection; `initial` bytes already read are replayed first. */
  serve(socket: Socket, initial: Buffer, ctx: C): void;
  activeStreams(): number;
  /** Graceful close of every session: GOAWAY, in-flight streams finish. */
  closeAll(): void;
  /** Immediate close of every session. */
  destroyAll(): void;
}

export function createH2Front<C>(
  onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ctx: C) => void,
  onError: (where: string, e: unknown) => void,
): H2Front<C> {
  const contexts = new WeakMap<Http2Session, C>();
  const sessions = new Set<ServerHttp2Session>();
  let pending: C | undefined;
  let active = 0;
  let server: Http2Server | undefined;
  const createFront = (): Http2Server => {
    const front = loadHttp2().createServer({
      settings: { initialWindowSize: H2_STREAM_WINDOW, maxConcurrentStreams: 1000, enablePush: false },
      maxSessionMemory: 64,
    });
    front.on('session', (session: ServerHttp2Session) => {
      if (pending !== undefined) contexts.set(session, pending);
      sessions.add(session);
      session.on('error', (e) => onError('h2 session', e));
      session.on('close', () => sessions.delete(session));
      session.on('connect', () => {
        try {
          session.setLocalWindowSize(H2_SESSION_WINDOW);
        } catch {
          // closing already
        }
      });
    });
    front.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      const ctx = contexts.get(stream.session as Http2Session);
      stream.on('error', () => undefined); // resets from the peer are normal; the forwarder reacts on 'close'
      if (ctx === undefined) {
        stream.close();
        return;
      }
      active++;
      stream.once('close', () => void active--);
      try {
        onStream(stream, headers, ctx);
      } catch (e) {
        onError('h2 stream', e);
        if (!stream.destroyed) stream.destroy();
      }
    });
    front.on('sessionError', (e) => onError('h2 session', e));
    return front;
  };
  return {
    serve(socket, initial, ctx) {
      if (initial.length > 0) socket.unshift(initial);
      pending = ctx;
      try {
        (server ??= createFront()).emit('connection', socket);
      } finally {
        pending = undefined;
      }
    },
    activeStreams: () => active,
    closeAll() {
      for (const s of sessions) s.close();
    },
    destroyAll() {
      for (const s of sessions) s.destroy();
    },
  };
}
