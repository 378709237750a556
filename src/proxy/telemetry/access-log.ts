/**
 * The access log: one JSON line per request (HTTP, gRPC) or per TCP connection. Off by default
 * (the snapshot turns it on per workload); when off, callers hold `disabledAccessLog` and skip
 * building entries (`if (log.enabled)`), so the hot path pays nothing.
 *
 * Lines are batched twice. Entries wait as they are (the caller's object) until `formatBatch` of
 * them are pending, then are encoded one after the other, as bytes, straight into an off-heap batch
 * buffer (`access-log-encoder.ts`); the buffer goes to the sink in one write when it passes
 * `maxBufferBytes` or when the flush timer (armed by the first line of a batch) fires. Formatting in runs is the cheaper way at a
 * sidecar's usual rates: one request per wake-up finds the formatter's code and data cold in the
 * CPU's caches, and a perf profile at 1,000 req/s put the log at 8 % of a hop's CPU, against ~1 µs a
 * line when formatted back to back. The run is short (64 entries) so pending entries die young; the
 * encoded lines hold no JS string: a busy sidecar keeps hundreds of lines waiting, and as strings they
 * survived scavenges (copied, then promoted), which made the log a large part of the proxy's GC work.
 * If the sink reports backpressure (`write` returns false), batches wait for `'drain'`; past
 * `maxPendingBytes` new lines are dropped and counted, so a slow disk cannot grow memory without bound.
 * `flush()` and `close()` write whatever is buffered even while the sink is blocked (the stream
 * queues it), so nothing logged before a shutdown is lost.
 */

import { createAccessLogEncoder, maxEncodedBytes } from './access-log-encoder.js';
import type { AccessLogEntry } from './access-log-entry.js';

export type { AccessLogEntry, AccessLogProtocol } from './access-log-entry.js';

/**
 * Where lines go: a file stream or stdout. Only `write` is required; `once('drain')` enables
 * backpressure. Each chunk is whole lines of UTF-8, handed over for good (never written to again).
 */
export interface AccessLogSink {
  write(chunk: Buffer): boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

/** Timers, injected so tests drive flushing by hand. */
export interface FlushTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface AccessLogOptions {
  readonly sink: AccessLogSink;
  readonly timers: FlushTimers;
  /** Longest a line waits in the buffer; default 1000 ms. */
  readonly flushIntervalMs?: number;
  /** Write as soon as the batch reaches this size; default 64 KiB. */
  readonly maxBufferBytes?: number;
  /** While the sink is blocked, drop lines once this much waits; default 4 MiB. */
  readonly maxPendingBytes?: number;
  /** Entries kept unformatted before they are formatted in one run; default 64 (1: format each at once). */
  readonly formatBatch?: number;
}

export interface AccessLog {
  readonly enabled: boolean;
  /** Queues one line. Never throws for a bad field value; never writes synchronously per call unless the batch is full. */
  log(entry: AccessLogEntry): void;
  /** Writes what is buffered now (e.g. at drain or shutdown). */
  flush(): void;
  /** Flushes and stops the timer; later `log` calls are ignored. */
  close(): void;
  /** Lines dropped because the sink was blocked and the pending limit was reached. */
  readonly dropped: number;
}

/** The access log when logging is off: `enabled` is false and every method does nothing. */
export const disabledAccessLog: AccessLog = Object.freeze({
  enabled: false,
  log(): void {},
  flush(): void {},
  close(): void {},
  dropped: 0,
});

/**
 * Formats entries as JSON lines (with trailing newline), exactly as `JSON.stringify` of the fields in
 * their fixed order, absent fields omitted; for tools and tests. The log itself encodes lines
 * straight into its batch buffer (`access-log-encoder.ts`).
 */
export function createAccessLogFormatter(): (entry: AccessLogEntry) => string {
  const encode = createAccessLogEncoder();
  let scratch = Buffer.alloc(4096);
  return (e) => {
    const need = maxEncodedBytes(e);
    if (scratch.length < need) scratch = Buffer.alloc(need);
    return scratch.toString('utf8', 0, encode(e, scratch, 0));
  };
}

/** One entry as a JSON line, for one-off use (tests, tools); a log keeps its own formatter. */
export function formatAccessLogLine(e: AccessLogEntry): string {
  return createAccessLogFormatter()(e);
}

/** Creates an enabled access log writing to `sink`. */
export function createAccessLog(options: AccessLogOptions): AccessLog {
  const { sink, timers } = options;
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  const maxBufferBytes = options.maxBufferBytes ?? 64 * 1024;
  const maxPendingBytes = options.maxPendingBytes ?? 4 * 1024 * 1024;
  const formatBatch = Math.max(1, Math.floor(options.formatBatch ?? 64));
  // Room for a full batch and the line that fills it; grown (rarely) for longer lines or while blocked.
  const batchCapacity = Math.min(maxBufferBytes, 1 << 20) + 16 * 1024;
  let batch: Buffer | undefined;
  let used = 0;
  let timer: unknown;
  let timerArmed = false;
  let blocked = false;
  let closed = false;
  let dropped = 0;
  const encodeLine = createAccessLogEncoder();
  // Entries not formatted yet (at most formatBatch - 1 between calls), oldest first.
  const waiting: AccessLogEntry[] = [];

  const disarm = (): void => {
    if (timerArmed) {
      timers.clear(timer);
      timerArmed = false;
    }
  };

  /** A batch with room for `bytes` more. */
  const room = (bytes: number): Buffer => {
    if (batch === undefined) {
      batch = Buffer.allocUnsafeSlow(Math.max(batchCapacity, bytes));
    } else if (used + bytes > batch.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(2 * batch.length, used + bytes));
      batch.copy(bigger, 0, 0, used);
      batch = bigger;
    }
    return batch;
  };

  /** Formats one entry into the batch, or drops it while the sink is blocked and too much waits. */
  const encode = (entry: AccessLogEntry): void => {
    const end = encodeLine(entry, room(maxEncodedBytes(entry)), used);
    if (blocked && end > maxPendingBytes) {
      dropped++;
      return;
    }
    used = end;
  };
  /** Formats every waiting entry, in order. */
  const encodeWaiting = (): void => {
    for (let i = 0; i < waiting.length; i++) encode(waiting[i] as AccessLogEntry);
    waiting.length = 0;
  };

  /** Writes the batch; while the sink is blocked only a forced write (flush, close) goes through. */
  const writeOut = (force: boolean): void => {
    disarm();
    if (waiting.length > 0) encodeWaiting();
    if (used === 0 || batch === undefined || (blocked && !force)) return;
    // The sink keeps the chunk (a stream writes it later): the next line starts a new batch.
    const chunk = batch.subarray(0, used);
    batch = undefined;
    used = 0;
    const okToContinue = sink.write(chunk);
    if (!okToContinue && !blocked && sink.once !== undefined) {
      blocked = true;
      sink.once('drain', () => {
        blocked = false;
        if (!closed && (used > 0 || waiting.length > 0)) writeOut(false);
      });
    }
  };
  const onTimer = (): void => {
    timerArmed = false;
    writeOut(false);
  };

  const log: AccessLog = {
    enabled: true,
    log(entry: AccessLogEntry): void {
      if (closed) return;
      waiting.push(entry);
      if (waiting.length >= formatBatch) {
        encodeWaiting();
        if (used >= maxBufferBytes) {
          writeOut(false);
          return;
        }
      }
      if (!timerArmed && !blocked) {
        timerArmed = true;
        timer = timers.set(onTimer, flushIntervalMs);
      }
    },
    flush(): void {
      writeOut(true);
    },
    close(): void {
      if (closed) return;
      writeOut(true);
      disarm();
      closed = true;
    },
    get dropped(): number {
      return dropped;
    },
  };
  return log;
}

/** Real timers for `createAccessLog`; unref'd so a pending flush never keeps the process alive. */
export function createSystemFlushTimers(): FlushTimers {
  return {
    set(callback: () => void, ms: number): unknown {
      const t = setTimeout(callback, ms);
      t.unref();
      return t;
    },
    clear(handle: unknown): void {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}
