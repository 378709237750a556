/**
 * One stream of a `weft-mux` connection, shaped like the part of `net.Socket` the HTTP/1.1 engine and
 * the connection pool use: `write` (false = wait for 'drain'), `end`, `destroy`, `pause` / `resume`,
 * and the events 'data', 'drain', 'end', 'error', 'close'. Like a socket without `allowHalfOpen`,
 * a stream whose peer has finished writing ends its own side once what it queued is sent.
 *
 * Bytes written are copied into the connection's output at once (the caller may reuse its buffer as
 * soon as `write` returns) and leave in the next coalesced write of the connection. Per-stream flow
 * control: at most the peer's window is sent; the rest waits here, and `write` says so.
 */
import { EventEmitter } from 'node:events';
import { INITIAL_WINDOW, MAX_DATA_PAYLOAD, MAX_WINDOW, RESET_CANCEL, RESET_REFUSED } from './mux-frame.js';

const REFUSED_CODE = 'WEFT_MUX_REFUSED';

/** An error for a stream the peer never processed (refused, or above its GOAWAY): safe to send again. */
export function refusedStreamError(message: string): Error {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = REFUSED_CODE;
  return e;
}

/** An error for a stream whose peer or connection went away (ECONNRESET, as a socket's). */
export function connectionResetError(message: string): Error {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = 'ECONNRESET';
  return e;
}

/** Whether `error` says the peer proxy never processed the stream (so the request may go again elsewhere). */
export function isRefusedStream(error: Error | undefined): boolean {
  return error !== undefined && (error as NodeJS.ErrnoException).code === REFUSED_CODE;
}

/** What a stream needs from its connection (mux-session.ts). */
export interface MuxStreamHost {
  readonly remoteAddress: string | undefined;
  /** True while the connection's socket does not take more (its own 'drain' releases the streams). */
  readonly blocked: boolean;
  sendData(stream: MuxStream, data: Buffer, start: number, end: number): void;
  sendFin(stream: MuxStream): void;
  sendReset(stream: MuxStream, code: number): void;
  sendWindow(stream: MuxStream, credit: number): void;
  /** The stream is finished both ways or reset: forget it. */
  release(stream: MuxStream): void;
  /** Bytes held for a paused consumer grew (positive) or shrank (negative) by `delta`. */
  held(delta: number): void;
}

/** Credit goes back to the sender once this much was consumed (a quarter of the window). */
const WINDOW_UPDATE_AT = INITIAL_WINDOW / 4;

export class MuxStream extends EventEmitter {
  /**
   * The stream's id; 0 for a client stream that has sent nothing yet. A client stream takes its id
   * when its first frame is queued, so ids reach the server in increasing order (the server takes a
   * lower id than the last it saw for a closed stream).
   */
  id: number;
  private readonly host: MuxStreamHost;
  /** Bytes the peer still accepts on this stream. */
  private sendWindow = INITIAL_WINDOW;
  /** Bytes we still accept from the peer before granting more. */
  recvAvailable = INITIAL_WINDOW;
  /** Consumed bytes not yet granted back. */
  private unacked = 0;
  private pendingOut: Buffer[] = [];
  private needDrain = false;
  private pendingIn: Buffer[] | undefined = undefined;
  private paused = false;
  private deliverScheduled = false;
  /** end() was called: FIN goes out after pendingOut. */
  private ending = false;
  private finSent = false;
  /** The peer's FIN arrived (it is delivered as 'end' after any bytes held while paused). */
  private remoteFin = false;
  private endEmitted = false;
  destroyed = false;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(id: number, host: MuxStreamHost) {
    super();
    this.id = id;
    this.host = host;
  }

  get remoteAddress(): string | undefined {
    return this.host.remoteAddress;
  }

  /** Queues `data`; false when the caller should wait for 'drain'. */
  write(data: Buffer): boolean {
    if (this.destroyed || this.ending) return false;
    if (data.length > 0) {
      if (this.pendingOut.length > 0) {
        this.pendingOut.push(Buffer.from(data));
      } else {
        const sent = this.sendUpTo(data);
        if (sent < data.length) this.pendingOut.push(Buffer.from(data.subarray(sent)));
      }
    }
    if (this.pendingOut.length > 0 || this.host.blocked) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Finishes our side: FIN after what is queued. */
  end(): void {
    if (this.destroyed || this.ending) return;
    this.ending = true;
    this.maybeSendFin();
  }

  /** Abandons the stream (RESET to the peer unless it finished both ways); 'close' follows. */
  destroy(error?: Error): void {
    if (this.destroyed) return;
    if (!(this.finSent && this.remoteFin)) this.host.sendReset(this, RESET_CANCEL);
    this.close(error);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.pendingIn !== undefined || (this.remoteFin && !this.endEmitted)) this.scheduleDeliver();
    this.grant(0);
  }

  isPaused(): boolean {
    return this.paused;
  }

  setNoDelay(): void {}

  /**
   * Calls `callback` (with the stream as `this`) once `ms` have passed; 0 cancels. Unlike a socket's
   * idle timeout, activity does not restart it: the engine uses it only as a bound on a graceful close.
   */
  setTimeout(ms: number, callback?: (this: MuxStream) => void): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (ms > 0 && callback !== undefined && !this.destroyed) {
      this.timer = setTimeout(() => callback.call(this), ms);
      this.timer.unref();
    }
  }

  // ---- from the connection ------------------------------------------------------------------

  /** Payload bytes for this stream (a view valid during the call when the connection borrows its reads). */
  received(chunk: Buffer): void {
    if (this.destroyed || this.remoteFin) return;
    this.recvAvailable -= chunk.length;
    if (this.paused || this.pendingIn !== undefined) {
      (this.pendingIn ??= []).push(Buffer.from(chunk));
      this.host.held(chunk.length);
      return;
    }
    this.emit('data', chunk);
    this.grant(chunk.length);
  }

  receivedFin(): void {
    if (this.destroyed || this.remoteFin) return;
    this.remoteFin = true;
    if (this.paused || this.pendingIn !== undefined) return;
    this.emitEnd();
  }

  receivedReset(code: number): void {
    if (this.destroyed) return;
    if (code === RESET_REFUSED) {
      this.close(refusedStreamError('the peer proxy refused the stream (too many streams, or draining)'));
      return;
    }
    this.close(connectionResetError('stream reset by the peer proxy'));
  }

  receivedWindow(credit: number): boolean {
    if (this.destroyed) return true;
    this.sendWindow += credit;
    if (this.sendWindow > MAX_WINDOW) return false;
    this.flushPending();
    return true;
  }

  /** The connection's socket drained. */
  connectionDrained(): void {
    if (this.needDrain && this.pendingOut.length === 0 && !this.destroyed) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  /** The connection is gone: the stream fails with it. */
  connectionClosed(error: Error): void {
    if (this.destroyed) return;
    this.close(error);
  }

  // ---- internals ----------------------------------------------------------------------------

  /** Sends what the window allows of `data`; returns how many bytes went. */
  private sendUpTo(data: Buffer): number {
    let p = 0;
    while (p < data.length && this.sendWindow > 0) {
      const n = Math.min(data.length - p, this.sendWindow, MAX_DATA_PAYLOAD);
      this.host.sendData(this, data, p, p + n);
      this.sendWindow -= n;
      p += n;
    }
    return p;
  }

  private flushPending(): void {
    while (this.pendingOut.length > 0 && this.sendWindow > 0) {
      const head = this.pendingOut[0] as Buffer;
      const sent = this.sendUpTo(head);
      if (sent < head.length) {
        this.pendingOut[0] = head.subarray(sent);
        return;
      }
      this.pendingOut.shift();
    }
    if (this.pendingOut.length === 0) {
      this.maybeSendFin();
      if (!this.host.blocked) this.connectionDrained();
    }
  }

  private maybeSendFin(): void {
    if (!this.ending || this.finSent || this.pendingOut.length > 0 || this.destroyed) return;
    this.finSent = true;
    this.host.sendFin(this);
    if (this.remoteFin && this.endEmitted) this.close(undefined);
  }

  /** Gives consumed bytes back to the sender (batched), unless paused. */
  private grant(consumed: number): void {
    this.unacked += consumed;
    if (this.paused || this.destroyed || this.remoteFin) return;
    if (this.unacked >= WINDOW_UPDATE_AT || (consumed === 0 && this.unacked > 0)) {
      this.recvAvailable += this.unacked;
      this.host.sendWindow(this, this.unacked);
      this.unacked = 0;
    }
  }

  private scheduleDeliver(): void {
    if (this.deliverScheduled) return;
    this.deliverScheduled = true;
    process.nextTick(deliverHeld, this);
  }

  /** Bytes held while paused, then the end if it came; stops again if a handler pauses. */
  deliverHeld(): void {
    this.deliverScheduled = false;
    while (!this.paused && !this.destroyed && this.pendingIn !== undefined) {
      const chunk = this.pendingIn.shift() as Buffer;
      if (this.pendingIn.length === 0) this.pendingIn = undefined;
      this.host.held(-chunk.length);
      this.emit('data', chunk);
      this.grant(chunk.length);
    }
    if (!this.paused && !this.destroyed && this.pendingIn === undefined && this.remoteFin && !this.endEmitted) this.emitEnd();
  }

  private emitEnd(): void {
    this.endEmitted = true;
    this.emit('end');
    // No half-open streams (as a socket without allowHalfOpen): our side ends after what is queued.
    if (this.destroyed) return;
    if (this.finSent) this.close(undefined);
    else this.end();
  }

  private close(error: Error | undefined): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pendingOut = [];
    if (this.pendingIn !== undefined) {
      let n = 0;
      for (const c of this.pendingIn) n += c.length;
      this.pendingIn = undefined;
      this.host.held(-n);
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.host.release(this);
    process.nextTick(emitClose, this, error);
  }
}

function deliverHeld(s: MuxStream): void {
  s.deliverHeld();
}

function emitClose(s: MuxStream, error: Error | undefined): void {
  if (error !== undefined && s.listenerCount('error') > 0) s.emit('error', error);
  s.emit('close', error !== undefined);
}
