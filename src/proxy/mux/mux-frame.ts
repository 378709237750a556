/**
 * The frames of `weft-mux`, the stream multiplexing between two Weft proxies over one mTLS
 * connection (ALPN `weft-mux`). Each stream carries the bytes of one HTTP/1.1 connection, as they
 * would go on a socket of their own; the mux only adds framing, per-stream flow control and
 * half-close / reset.
 *
 * Every frame starts with a 12-byte header:
 *
 *   type u8 | flags u8 (0) | reserved u16 (0) | stream u32 | value u32
 *
 * - DATA (1): `value` payload bytes follow (1 … MAX_DATA_PAYLOAD).
 * - FIN (2): the sender writes no more on `stream` (half-close); `value` 0.
 * - RESET (3): `stream` is abandoned by the sender; `value` is a reset code.
 * - WINDOW (4): the receiver may be sent `value` more DATA bytes on `stream` (1 … 2^31).
 * - GOAWAY (5): the server takes no stream above `stream`; `value` 0.
 *
 * Streams are opened by the client only, with odd ids in increasing order (the first frame of a
 * new id opens it). The reader below is a pure state machine: bytes in, frames out, or a protocol
 * error naming what was wrong; payloads are handed out as they arrive, never reassembled.
 */

export const MUX_ALPN = 'weft-mux';

export const FRAME_HEADER_BYTES = 12;
export const T_DATA = 1;
export const T_FIN = 2;
export const T_RESET = 3;
export const T_WINDOW = 4;
export const T_GOAWAY = 5;

/** The largest DATA payload a sender may put in one frame. */
export const MAX_DATA_PAYLOAD = 64 * 1024;
/** Per-stream window each side starts with, in each direction. */
export const INITIAL_WINDOW = 256 * 1024;
/** A window can never exceed this (a WINDOW that would pass it is a protocol error). */
export const MAX_WINDOW = 2 ** 31;

/** Reset codes. */
export const RESET_CANCEL = 1;
export const RESET_REFUSED = 2;
export const RESET_FLOW = 3;

/** Writes a frame header at `pos`; returns the position after it. */
export function writeFrameHeader(buf: Buffer, pos: number, type: number, stream: number, value: number): number {
  buf[pos] = type;
  buf[pos + 1] = 0;
  buf[pos + 2] = 0;
  buf[pos + 3] = 0;
  buf.writeUInt32BE(stream, pos + 4);
  buf.writeUInt32BE(value, pos + 8);
  return pos + FRAME_HEADER_BYTES;
}

/** What a reader reports; `this` is free for the implementer (a session object). */
export interface FrameSink {
  /** Part (or all) of a DATA frame's payload. `chunk` is a view of the bytes fed in: valid during the call only when they were borrowed. */
  onData(stream: number, chunk: Buffer): void;
  onFin(stream: number): void;
  onReset(stream: number, code: number): void;
  onWindow(stream: number, credit: number): void;
  onGoAway(lastStream: number): void;
  /** The peer broke the protocol; nothing more is read. */
  onProtocolError(reason: string): void;
}

const S_HEADER = 0;
const S_PAYLOAD = 1;
const S_FAILED = 2;

/**
 * Incremental frame reader. `feed` takes any split of the byte stream (one byte at a time or many
 * frames at once) and reports the same frames.
 */
export class FrameReader {
  private state = S_HEADER;
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private have = 0;
  private stream = 0;
  private remaining = 0;

  constructor(private readonly sink: FrameSink) {}

  get failed(): boolean {
    return this.state === S_FAILED;
  }

  feed(buf: Buffer): void {
    let p = 0;
    const n = buf.length;
    while (p < n && this.state !== S_FAILED) {
      if (this.state === S_PAYLOAD) {
        const take = Math.min(this.remaining, n - p);
        this.remaining -= take;
        if (this.remaining === 0) this.state = S_HEADER;
        this.sink.onData(this.stream, buf.subarray(p, p + take));
        p += take;
        continue;
      }
      // A whole header in the input: read it in place; otherwise gather it.
      let h: Buffer;
      let at: number;
      if (this.have === 0 && n - p >= FRAME_HEADER_BYTES) {
        h = buf;
        at = p;
        p += FRAME_HEADER_BYTES;
      } else {
        const take = Math.min(FRAME_HEADER_BYTES - this.have, n - p);
        buf.copy(this.header, this.have, p, p + take);
        this.have += take;
        p += take;
        if (this.have < FRAME_HEADER_BYTES) return;
        this.have = 0;
        h = this.header;
        at = 0;
      }
      this.onHeader(h, at);
    }
  }

  private fail(reason: string): void {
    this.state = S_FAILED;
    this.sink.onProtocolError(reason);
  }

  private onHeader(h: Buffer, at: number): void {
    const type = h[at] as number;
    if (h[at + 1] !== 0 || h[at + 2] !== 0 || h[at + 3] !== 0) {
      this.fail(`frame of type ${type} with non-zero flags or reserved bits`);
      return;
    }
    const stream = h.readUInt32BE(at + 4);
    const value = h.readUInt32BE(at + 8);
    switch (type) {
      case T_DATA:
        if (stream === 0) return this.fail('DATA on stream 0');
        if (value === 0 || value > MAX_DATA_PAYLOAD) return this.fail(`DATA frame of ${value} bytes (1 to ${MAX_DATA_PAYLOAD} allowed)`);
        this.stream = stream;
        this.remaining = value;
        this.state = S_PAYLOAD;
        return;
      case T_FIN:
        if (stream === 0 || value !== 0) return this.fail('malformed FIN');
        this.sink.onFin(stream);
        return;
      case T_RESET:
        if (stream === 0) return this.fail('RESET on stream 0');
        this.sink.onReset(stream, value);
        return;
      case T_WINDOW:
        if (stream === 0 || value === 0 || value > MAX_WINDOW) return this.fail('malformed WINDOW');
        this.sink.onWindow(stream, value);
        return;
      case T_GOAWAY:
        if (value !== 0) return this.fail('malformed GOAWAY');
        this.sink.onGoAway(stream);
        return;
      default:
        this.fail(`unknown frame type ${type}`);
    }
  }
}
