/**
 * The proxy's log: one JSON object per line. Library code gets a `Log` passed in; only `main.ts`
 * decides where the lines go.
 */
import type { Clock } from '../../core/clock.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Log {
  debug(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  readonly debugEnabled: boolean;
}

/** A JSON-lines log at `level` and above, written to `out`. */
export function createJsonLog(out: { write(s: string): unknown }, clock: Clock, level: LogLevel = 'info'): Log {
  const min = rank[level];
  const line = (lvl: LogLevel, msg: string, fields?: Readonly<Record<string, unknown>>): void => {
    if (rank[lvl] < min) return;
    out.write(`${JSON.stringify({ time: new Date(clock.now()).toISOString(), level: lvl, msg, ...fields })}\n`);
  };
  return {
    debug: (m, f) => line('debug', m, f),
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
    debugEnabled: min <= rank.debug,
  };
}

/** A log that drops everything (unit tests). */
export function createNullLog(): Log {
  const nop = (): void => undefined;
  return { debug: nop, info: nop, warn: nop, error: nop, debugEnabled: false };
}
