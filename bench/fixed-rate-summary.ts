// Pure parts of the fixed-rate generator: the loopback guard, the per-connection schedule, and the summary.
import { mean, percentileSorted } from './stats.js';

/** What one fixed-rate run measured. Latencies in milliseconds, from send to the last byte. */
export interface FixedRateResult {
  readonly targetRps: number;
  readonly connections: number;
  readonly seconds: number;
  readonly measured: number;
  readonly achievedRps: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** Coordinated-omission-corrected: latency measured from the scheduled send time, not the actual one. */
  readonly coP50Ms: number;
  readonly coP90Ms: number;
  readonly coP99Ms: number;
}

/** True for `localhost`, 127.0.0.0/8 and ::1: the benchmark never sends load anywhere else. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && Number(m[1]) === 127 && m.slice(2).every((o) => Number(o) <= 255);
}

/**
 * The send schedule of one connection: `connections` connections share `rate` requests/s, so each
 * sends every `connections / rate` seconds, starting at its own offset in [0, period) — which
 * de-synchronises the connections (no lock-step bursts, like fortio's jitter). Times in ms.
 */
export function connectionPeriodMs(rate: number, connections: number): number {
  return 1000 / (rate / connections);
}

/** Scheduled send time (ms after start) of request `k` on a connection with the given offset. */
export function scheduledAt(offsetMs: number, periodMs: number, k: number): number {
  return offsetMs + k * periodMs;
}

/** Summarises the latencies (unsorted; sorted in place) of the measured window. */
export function summarizeFixedRate(
  run: { targetRps: number; connections: number; seconds: number; errors: number; non2xx: number },
  latMs: number[],
  coLatMs: number[],
): FixedRateResult {
  latMs.sort((a, b) => a - b);
  coLatMs.sort((a, b) => a - b);
  return {
    targetRps: run.targetRps,
    connections: run.connections,
    seconds: run.seconds,
    measured: latMs.length,
    achievedRps: latMs.length / run.seconds,
    errors: run.errors,
    non2xx: run.non2xx,
    meanMs: mean(latMs),
    p50Ms: percentileSorted(latMs, 50),
    p90Ms: percentileSorted(latMs, 90),
    p99Ms: percentileSorted(latMs, 99),
    p999Ms: percentileSorted(latMs, 99.9),
    maxMs: latMs.length > 0 ? (latMs[latMs.length - 1] as number) : Number.NaN,
    coP50Ms: percentileSorted(coLatMs, 50),
    coP90Ms: percentileSorted(coLatMs, 90),
    coP99Ms: percentileSorted(coLatMs, 99),
  };
}
