/**
 * Opaque TCP: bytes both ways between two sockets with backpressure (`pipe` pauses the reader while the
 * writer's buffer is full), half-close passed on, and either side's error or close tearing down both.
 */
import type { Duplex } from 'node:stream';
/** Where byte counts go (an edge's pre-bound metrics). */
export interface TunnelCounters {
  /** Bytes read from the downstream (accepted) side. */
  addReceivedBytes(n: number): void;
  /** Bytes written to the downstream side. */
  addSentBytes(n: number): void;
}

/** Bytes a tunnel carried, from the downstream side's point of view. */
export interface TunnelTotals {
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/**
 * Joins `down` (the accepted connection) and `up` (the one we dialled). `initial` bytes already read from
 * `down` go first. `onClose` runs once when both are gone, with the first error if there was one and the
 * bytes carried each way (for the access log; `counters` gets them as they flow).
 */
export function joinTunnel(down: Duplex, up: Duplex, initial: Buffer, counters: TunnelCounters, onClose: (error: Error | undefined, totals: TunnelTotals) => void): void {
  let bytesIn = 0;
  let bytesOut = 0;
  let closed = 0;
  let firstError: Error | undefined;
  const fail = (e: Error): void => {
    firstError ??= e;
    down.destroy();
    up.destroy();
  };
  const closeOne = (): void => {
    closed++;
    if (closed === 1) {
      // The other side gets a moment to flush a half-close; a full close of one tears down both.
      if (down.destroyed && !up.destroyed && !up.writableEnded) up.end();
      if (up.destroyed && !down.destroyed && !down.writableEnded) down.end();
    }
    if (closed === 2) onClose(firstError, { bytesIn, bytesOut });
  };
  down.on('error', fail);
  up.on('error', fail);
  down.once('close', closeOne);
  up.once('close', closeOne);
  down.on('data', (c: Buffer) => {
    bytesIn += c.length;
    counters.addReceivedBytes(c.length);
  });
  up.on('data', (c: Buffer) => {
    bytesOut += c.length;
    counters.addSentBytes(c.length);
  });
  if (initial.length > 0) {
    bytesIn += initial.length;
    counters.addReceivedBytes(initial.length);
    up.write(initial);
  }
  down.pipe(up);
  up.pipe(down);
  down.resume();
}
