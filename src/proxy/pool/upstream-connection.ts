/**
 * One pooled upstream connection (to a peer proxy over mTLS, or to the local application in
 * plaintext). The object owns the socket's listeners for its whole life, bound once, and forwards
 * events to whoever currently uses it (`user`); while idle in the pool any byte, end or close
 * makes the pool drop it (a connection that speaks unasked is not safe to reuse).
 */
import type { Socket } from 'node:net';

/** Who uses a leased connection: the engine's per-request exchange object. */
export interface UpstreamUser {
  /**
   * Bytes read. The chunk is a view of the pool's read buffer, which the next read overwrites: it is
   * valid during the call only, so copy whatever outlives it (bytes kept for later, bytes handed to a
   * socket write that may not complete synchronously).
   */
  onUpstreamData(conn: UpstreamConnection, chunk: Buffer): void;
  onUpstreamDrain(conn: UpstreamConnection): void;
  /** The connection ended, closed or failed while leased; it is already out of the pool. */
  onUpstreamClose(conn: UpstreamConnection, error: Error | undefined): void;
}

/** What the pool needs to hear from a connection it holds. */
export interface UpstreamOwner {
  onIdleClosed(conn: UpstreamConnection): void;
}

/**
 * What a pooled connection runs on: a socket (plaintext or TLS), or a stream of a `weft-mux`
 * connection to a peer proxy (src/proxy/mux), which behaves like one.
 */
export interface UpstreamTransport {
  write(data: Buffer): boolean;
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
  readonly destroyed: boolean;
  readonly remoteAddress?: string | undefined;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'drain' | 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Whoever takes the bytes a borrowing socket reads: a pooled connection, or a mux session. */
export interface BorrowedReader {
  received(chunk: Buffer): void;
}

const kReader = Symbol('weft.borrowedReader');

/** A pool socket (plaintext or TLS) that reads into a shared buffer (`onread`), and who takes its bytes. */
interface BorrowingSocket extends Socket {
  [kReader]?: BorrowedReader;
}

/** Routes the reads of a socket dialed with `onread: { callback: onBorrowedRead }` to `reader`. */
export function setBorrowedReader(socket: Socket, reader: BorrowedReader): void {
  (socket as BorrowingSocket)[kReader] = reader;
}

/**
 * The `onread` callback of pool sockets (`net.connect` / `tls.connect({ onread: { buffer, callback } })`):
 * bytes arrive in one shared buffer, without a Buffer allocated per read or the stream machinery of
 * 'data' events. `this` is the socket.
 */
export function onBorrowedRead(this: Socket, nread: number, buffer: Uint8Array): boolean {
  const reader = (this as BorrowingSocket)[kReader];
  if (reader === undefined) {
    // Still dialing: no request was sent, so any byte is unasked.
    this.destroy();
    return false;
  }
  reader.received(Buffer.from(buffer.buffer, buffer.byteOffset, nread));
  // Pausing (backpressure) goes through socket.pause(), which stops reading itself.
  return true;
}

/** A connection's multiplexed transport, as far as the pool needs to know it. */
export interface MuxCarrier {
  /** False once the mux connection takes no new streams (retired, GOAWAY, closed). */
  readonly usable: boolean;
}

export class UpstreamConnection implements BorrowedReader {
  readonly socket: UpstreamTransport;
  /** Set when the connection is a stream of a mux connection: reused only while that is usable. */
  mux: MuxCarrier | undefined = undefined;
  readonly key: string;
  readonly owner: UpstreamOwner;
  /** The server's SPIFFE ID (TLS upstreams), checked at the handshake. */
  peerIdentity: string | undefined = undefined;
  user: UpstreamUser | undefined = undefined;
  /** How many requests this connection carried; above 0 it is a reused (possibly stale) connection. */
  uses = 0;
  idleSince = 0;
  /** Set once the socket ended, closed or failed; the connection is never reused after that. */
  dead = false;
  /** Leased to a user (set and cleared by the pool only). */
  leased = false;
  /** A certificate of this connection is about to expire: closed on release, never reused. */
  retired = false;
  private lastError: Error | undefined = undefined;

  /**
   * A socket made with `onread: { buffer, callback: onBorrowedRead }` (`borrowing`): its bytes arrive
   * through `received` as views of a shared read buffer, valid during `onUpstreamData` only (see
   * there). Any other transport (a mux stream) delivers them as 'data' events, under the same rule.
   */
  constructor(socket: UpstreamTransport, key: string, owner: UpstreamOwner, borrowing: Socket | undefined) {
    this.socket = socket;
    this.key = key;
    this.owner = owner;
    if (borrowing !== undefined) setBorrowedReader(borrowing, this);
    else socket.on('data', this.received);
    socket.on('drain', this.onDrain);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  /** One write; returns false when the caller should wait for `onUpstreamDrain`. */
  write(data: Buffer): boolean {
    return this.socket.write(data);
  }

  destroy(): void {
    this.markDead(undefined);
    this.socket.destroy();
  }

  /** Bytes from the transport (through `onBorrowedRead`, or a mux stream's 'data'). */
  readonly received = (chunk: Buffer): void => {
    const user = this.user;
    if (user !== undefined) user.onUpstreamData(this, chunk);
    else this.destroy(); // bytes while idle: drop it
  };

  private readonly onDrain = (): void => {
    this.user?.onUpstreamDrain(this);
  };

  private readonly onEnd = (): void => {
    // The peer half-closed: an HTTP/1.1 connection is finished then (we never half-close).
    // Every byte before the FIN was delivered already, so a close-delimited body is complete here.
    this.markDead(undefined);
    this.socket.destroy();
  };

  private readonly onError = (error: Error): void => {
    this.lastError = error;
    this.markDead(error);
  };

  private readonly onClose = (): void => {
    this.markDead(this.lastError);
  };

  private markDead(error: Error | undefined): void {
    if (this.dead) return;
    this.dead = true;
    const user = this.user;
    if (user !== undefined) {
      this.user = undefined;
      user.onUpstreamClose(this, error);
    } else {
      this.owner.onIdleClosed(this);
    }
  }
}
