/**
 * One `weft-mux` connection: many streams (each an HTTP/1.1 connection's bytes) over one mTLS socket
 * between two Weft proxies.
 *
 * Why: with one TLS connection per HTTP/1.1 connection, every request costs each hop a TLS record,
 * a write and a read system call on the mesh side, whatever the load. Here every frame queued
 * while the event loop handles one batch of ready sockets leaves in ONE write at the end of that
 * turn (`setImmediate`), and the peer reads them in one read: under load, many requests share a
 * record and a pair of system calls. (Measured with a scratch L4 pipe: per request and hop,
 * 16–19 µs of CPU against 26–31 µs for one TLS connection per client connection, BENCHMARKS.md.)
 * At low load a frame goes out alone, in the same turn it was queued: no added wait.
 *
 * The session does not read by itself: its owner feeds it the socket's bytes (`received`), either
 * borrowed views (`onread`, client side) or owned chunks ('data', server side); streams hand them
 * on as they are.
 */
import type { Socket } from 'node:net';
import {
  FRAME_HEADER_BYTES,
  FrameReader,
  RESET_REFUSED,
  T_DATA,
  T_FIN,
  T_GOAWAY,
  T_RESET,
  T_WINDOW,
  writeFrameHeader,
  type FrameSink,
} from './mux-frame.js';
import { connectionResetError, MuxStream, refusedStreamError, type MuxStreamHost } from './mux-stream.js';

export interface MuxSessionOptions {
  readonly role: 'client' | 'server';
  /** Server: a stream the client opened (called before its first bytes are delivered). */
  readonly onStream?: (stream: MuxStream) => void;
  /** Server: streams open at once above this are refused (RESET refused). Default 4096. */
  readonly maxStreams?: number;
  /** The peer broke the protocol (the connection is closed right after). */
  readonly onProtocolError?: (reason: string) => void;
  /** The connection closed (once). */
  readonly onClose?: (session: MuxSession) => void;
  /** Client: the server sent GOAWAY, or the session was retired: no new streams on it. */
  readonly onUnusable?: (session: MuxSession) => void;
  /**
   * A connection without streams for this long closes: a client's at once (the pool dials again
   * when it needs one), a server's after GOAWAY, so that a stream the client opens meanwhile fails
   * as refused (and is retried) instead of being lost. Clients should close first: set it below
   * the server's. Without it, a client closes when its last stream is done and a server waits.
   */
  readonly idleTimeoutMs?: number;
}

/**
 * Bytes held for paused streams, per connection, above which the connection stops reading (until
 * they fall to half). Each stream's window bounds its own share; this bounds their sum.
 */
export const MAX_HELD_BYTES = 8 * 1024 * 1024;

/** Output is staged in buffers of this size (larger frames get one of their own). */
const STAGE_BYTES = 16 * 1024;
const MAX_STREAM_ID = 2 ** 31 - 1;

export class MuxSession implements FrameSink, MuxStreamHost {
  readonly socket: Socket;
  private readonly options: MuxSessionOptions;
  private readonly streams = new Map<number, MuxStream>();
  /** Client streams that have sent nothing yet (no id: see MuxStream.id). */
  private readonly unopened = new Set<MuxStream>();
  private readonly reader: FrameReader;
  private nextId = 1;
  /** Server: the highest stream id the client opened. */
  private lastId = 0;
  /** No new streams: GOAWAY sent (server) or received (client), or retired. */
  private unusable = false;
  closed = false;
  blocked = false;
  private stage: Buffer = Buffer.allocUnsafeSlow(STAGE_BYTES);
  private staged = 0;
  private readonly full: Buffer[] = [];
  private flushScheduled = false;
  private heldBytes = 0;
  private readPaused = false;
  private idleTimer: NodeJS.Timeout | undefined = undefined;
  /** Frames queued and coalesced socket writes so far (tests and probes read them). */
  frames = 0;
  writes = 0;

  constructor(socket: Socket, options: MuxSessionOptions) {
    this.socket = socket;
    this.options = options;
    this.reader = new FrameReader(this);
    socket.on('drain', this.onSocketDrain);
    socket.on('error', this.onSocketError);
    socket.on('end', this.onSocketEnd);
    socket.on('close', this.onSocketClose);
    this.armIdle();
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get streamCount(): number {
    return this.streams.size + this.unopened.size;
  }

  /** Whether a client may open a stream on it now. */
  get usable(): boolean {
    // Room for every stream handed out to take an id.
    return !this.closed && !this.unusable && this.nextId + 2 * this.unopened.size <= MAX_STREAM_ID;
  }

  /** Client: a new stream (its first frame opens it on the server); undefined when not usable. */
  openStream(): MuxStream | undefined {
    if (this.options.role !== 'client' || !this.usable) return undefined;
    const s = new MuxStream(0, this);
    this.unopened.add(s);
    this.disarmIdle();
    return s;
  }

  /** A client stream's id, given at its first frame (ids go out in increasing order). */
  private idOf(stream: MuxStream): number {
    if (stream.id === 0) {
      stream.id = this.nextId;
      this.nextId += 2;
      this.unopened.delete(stream);
      this.streams.set(stream.id, stream);
    }
    return stream.id;
  }

  /**
   * Bytes read from the socket. Streams hand views of `chunk` to their consumers: on a client these
   * are borrowed like any pool read (valid during the call, see UpstreamUser); a server's owner feeds
   * owned chunks ('data'), which its HTTP/1.1 sessions may keep.
   */
  received(chunk: Buffer): void {
    if (!this.closed) this.reader.feed(chunk);
  }

  /**
   * Server: tells the client to open no more streams (draining); the connection closes once its
   * streams are done. Client: stop opening streams here (e.g. a certificate is about to expire).
   */
  retire(): void {
    if (this.unusable || this.closed) return;
    this.unusable = true;
    if (this.options.role === 'server') {
      this.frame(T_GOAWAY, this.lastId, 0);
    } else {
      this.options.onUnusable?.(this);
    }
    if (this.streamCount === 0) this.endWhenFlushed();
  }

  /** Closes the connection now; every open stream fails. */
  destroy(): void {
    this.socket.destroy();
    this.closeStreams(connectionResetError('the mesh connection was closed'));
  }

  // ---- MuxStreamHost ------------------------------------------------------------------------

  sendData(stream: MuxStream, data: Buffer, start: number, end: number): void {
    const n = end - start;
    const buf = this.reserve(FRAME_HEADER_BYTES + n);
    const p = writeFrameHeader(buf, this.staged, T_DATA, this.idOf(stream), n);
    data.copy(buf, p, start, end);
    this.staged = p + n;
    this.queued();
  }

  sendFin(stream: MuxStream): void {
    this.frame(T_FIN, this.idOf(stream), 0);
  }

  sendReset(stream: MuxStream, code: number): void {
    // A stream that never sent anything is unknown to the peer: nothing to reset.
    if (stream.id !== 0) this.frame(T_RESET, stream.id, code);
  }

  sendWindow(stream: MuxStream, credit: number): void {
    this.frame(T_WINDOW, stream.id, credit);
  }

  held(delta: number): void {
    this.heldBytes += delta;
    if (!this.readPaused && this.heldBytes > MAX_HELD_BYTES) {
      this.readPaused = true;
      this.socket.pause();
    } else if (this.readPaused && this.heldBytes <= MAX_HELD_BYTES / 2) {
      this.readPaused = false;
      if (!this.closed) this.socket.resume();
    }
  }

  /** Bytes held for paused streams now (see MAX_HELD_BYTES). */
  get heldForPausedStreams(): number {
    return this.heldBytes;
  }

  release(stream: MuxStream): void {
    if (stream.id === 0) {
      if (!this.unopened.delete(stream)) return;
    } else {
      if (this.streams.get(stream.id) !== stream) return;
      this.streams.delete(stream.id);
    }
    if (this.streamCount > 0 || this.closed) return;
    // A retired connection closes once its last stream is done; an idle one waits for its timeout.
    if (this.unusable || (this.options.role === 'client' && this.options.idleTimeoutMs === undefined)) this.endWhenFlushed();
    else this.armIdle();
  }

  // ---- FrameSink ----------------------------------------------------------------------------

  onData(id: number, chunk: Buffer): void {
    const s = this.streamFor(id);
    if (s === undefined) return;
    if (chunk.length > s.recvAvailable) {
      this.onProtocolError(`stream ${id} sent past its flow-control window`);
      return;
    }
    s.received(chunk);
  }

  onFin(id: number): void {
    this.streamFor(id)?.receivedFin();
  }

  onReset(id: number, code: number): void {
    this.streams.get(id)?.receivedReset(code);
  }

  onWindow(id: number, credit: number): void {
    const s = this.streams.get(id);
    if (s !== undefined && !s.receivedWindow(credit)) this.onProtocolError(`stream ${id} window above 2^31`);
  }

  onGoAway(lastStream: number): void {
    if (this.options.role !== 'client') {
      this.onProtocolError('GOAWAY from a client');
      return;
    }
    const wasUsable = !this.unusable;
    this.unusable = true;
    // Streams the server never saw (above its last, or not sent yet) fail as refused: safe to retry.
    const refused = refusedStreamError('the peer proxy refused the stream (GOAWAY: it is draining)');
    for (const s of [...this.streams.values()]) if (s.id > lastStream) s.connectionClosed(refused);
    for (const s of [...this.unopened]) s.connectionClosed(refused);
    if (wasUsable) this.options.onUnusable?.(this);
    if (this.streamCount === 0) this.endWhenFlushed();
  }

  onProtocolError(reason: string): void {
    if (this.closed) return;
    this.options.onProtocolError?.(reason);
    this.destroy();
  }

  // ---- internals ----------------------------------------------------------------------------

  /** The stream a frame is for; on a server, a new odd id above the last opens one. */
  private streamFor(id: number): MuxStream | undefined {
    const s = this.streams.get(id);
    if (s !== undefined || this.options.role === 'client' || id <= this.lastId) return s;
    if ((id & 1) === 0) {
      this.onProtocolError(`stream ${id} opened with an even id`);
      return undefined;
    }
    this.lastId = id;
    if (this.unusable || this.streams.size >= (this.options.maxStreams ?? 4096)) {
      this.frame(T_RESET, id, RESET_REFUSED);
      return undefined;
    }
    const stream = new MuxStream(id, this);
    this.streams.set(id, stream);
    this.disarmIdle();
    this.options.onStream?.(stream);
    return stream.destroyed ? undefined : stream;
  }

  private frame(type: number, stream: number, value: number): void {
    if (this.closed) return;
    const buf = this.reserve(FRAME_HEADER_BYTES);
    this.staged = writeFrameHeader(buf, this.staged, type, stream, value);
    this.queued();
  }

  /** The staging buffer with room for `n` more bytes at `this.staged`. */
  private reserve(n: number): Buffer {
    if (this.staged + n > this.stage.length) {
      if (this.staged > 0) this.full.push(this.stage.subarray(0, this.staged));
      this.stage = Buffer.allocUnsafeSlow(Math.max(STAGE_BYTES, n));
      this.staged = 0;
    }
    return this.stage;
  }

  private queued(): void {
    this.frames++;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(flushSession, this);
  }

  /** Everything queued in this turn, in one write. */
  flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.staged === 0) return;
    let out: Buffer;
    if (this.full.length === 0) {
      // The staging buffer is reused: the socket gets a copy it may keep.
      out = Buffer.from(this.stage.subarray(0, this.staged));
    } else {
      this.full.push(this.stage.subarray(0, this.staged));
      out = Buffer.concat(this.full);
      this.full.length = 0;
      this.stage = Buffer.allocUnsafeSlow(STAGE_BYTES);
    }
    this.staged = 0;
    this.writes++;
    if (!this.socket.write(out)) this.blocked = true;
  }

  private armIdle(): void {
    const ms = this.options.idleTimeoutMs;
    if (ms === undefined || this.idleTimer !== undefined) return;
    this.idleTimer = setTimeout(onIdleTimeout, ms, this);
    this.idleTimer.unref();
  }

  private disarmIdle(): void {
    if (this.idleTimer === undefined) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** No stream for the idle timeout: see MuxSessionOptions.idleTimeoutMs. */
  idleTimedOut(): void {
    this.idleTimer = undefined;
    if (this.closed || this.streamCount > 0) return;
    if (this.options.role === 'server') this.retire();
    else this.endWhenFlushed();
  }

  private endWhenFlushed(): void {
    if (this.closed) return;
    if (!this.unusable) {
      this.unusable = true;
      if (this.options.role === 'client') this.options.onUnusable?.(this);
    }
    if (this.flushScheduled) this.flush();
    this.socket.end();
  }

  private readonly onSocketDrain = (): void => {
    this.blocked = false;
    for (const s of this.streams.values()) {
      s.connectionDrained();
      if (this.blocked) return;
    }
  };

  private lastError: Error | undefined = undefined;

  private readonly onSocketError = (e: Error): void => {
    this.lastError = e;
  };

  private readonly onSocketEnd = (): void => {
    // The peer finished the connection: no stream can finish normally any more.
    this.socket.end();
    this.closeStreams(connectionResetError('the peer proxy closed the mesh connection'));
  };

  private readonly onSocketClose = (): void => {
    this.closeStreams(this.lastError ?? connectionResetError('the mesh connection closed'));
  };

  private closeStreams(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.disarmIdle();
    this.unusable = true;
    const all = [...this.streams.values(), ...this.unopened];
    this.streams.clear();
    this.unopened.clear();
    for (const s of all) s.connectionClosed(error);
    this.options.onClose?.(this);
  }
}

function flushSession(s: MuxSession): void {
  s.flush();
}

function onIdleTimeout(s: MuxSession): void {
  s.idleTimedOut();
}
