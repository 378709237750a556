// Pure parser for wrk 4.x's text report (`wrk --latency`).

/** What one wrk run measured. Latencies in milliseconds; errors = socket errors + non-2xx/3xx. */
export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly socketErrors: number;
  readonly non2xx: number;
}

const unitMs: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** Converts a wrk duration such as `212.00us`, `3.47ms` or `1.02s` to milliseconds (NaN if unknown). */
export function wrkDurationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * (unitMs[m[2] as string] ?? Number.NaN);
}

/** Parses wrk's report; undefined when it holds no `Requests/sec:` line (wrk failed to run). */
export function parseWrkOutput(text: string): WrkResult | undefined {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  if (!rps) return undefined;
  const total = /^\s*(\d+) requests in /m.exec(text);
  const p50 = /^\s+50%\s+(\S+)/m.exec(text);
  const p99 = /^\s+99%\s+(\S+)/m.exec(text);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const socketErrors = sock ? sock.slice(1, 5).reduce((s, x) => s + Number(x), 0) : 0;
  return {
    requestsPerSecond: Number(rps[1]),
    requests: total ? Number(total[1]) : Number.NaN,
    p50Ms: p50 ? wrkDurationMs(p50[1] as string) : Number.NaN,
    p99Ms: p99 ? wrkDurationMs(p99[1] as string) : Number.NaN,
    socketErrors,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}
