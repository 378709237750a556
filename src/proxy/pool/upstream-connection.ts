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

const kConnection = Symbol('weft.upstreamConnection');

/** A pool socket (plaintext or TLS) that reads into a shared buffer (`onread`), and the connection it belongs to. */
interface BorrowingSocket extends Socket {
  [kConnection]?: UpstreamConnection;
}

/**
 * The `onread` callback of pool sockets (`net.connect` / `tls.connect({ onread: { buffer, callback } })`):
 * bytes arrive in one shared buffer, without a Buffer allocated per read or the stream machinery of
 * 'data' events. `this` is the socket.
 */
export function onBorrowedRead(this: Socket, nread: number, buffer: Uint8Array): boolean {
  const conn = (this as BorrowingSocket)[kConnection];
  if (conn === undefined) {
    // Still dialing: no request was sent, so any byte is unasked.
    this.destroy();
    return false;
  }
  conn.received(Buffer.from(buffer.buffer, buffer.byteOffset, nread));
  // Pausing (backpressure) goes through socket.pause(), which stops reading itself.
  return true;
}

export class UpstreamConnection {
  readonly socket: Socket;
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
   * `socket` was made with `onread: { buffer, callback: onBorrowedRead }`: its bytes arrive through
   * `received` as views of a shared read buffer, valid during `onUpstreamData` only (see there).
   */
  constructor(socket: Socket, key: string, owner: UpstreamOwner) {
    this.socket = socket;
    this.key = key;
    this.owner = owner;
    (socket as BorrowingSocket)[kConnection] = this;
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

  /** Bytes from the socket (through `onBorrowedRead`). */
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
