/**
 * A steady load generator for the mesh end-to-end tests: for each target, HTTP/1.1 GETs at a fixed
 * rate over kept-alive connections and, separately, over a new connection each, from a chosen
 * source address. Every result is recorded (start, end, status or error, a short reason), so a test
 * can count the failures of a window, or find when a target's answers changed. Bounded: it stops at
 * `maxDurationMs` or after `maxRequests`, whichever comes first, and each request has a timeout.
 */
import { Agent, request } from 'node:http';

export type LoadMode = 'keep-alive' | 'new-connection';

export interface LoadTarget {
  /** A label for reports (`client-0→srv-1`). */
  readonly name: string;
  /** Where to connect (a service VIP: the client's proxy captures it). */
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** The Host header (default host:port). */
  readonly hostHeader?: string;
  /** The source address of the connections (selects the client's proxy). */
  readonly localAddress?: string;
}

export interface LoadResult {
  readonly target: string;
  readonly mode: LoadMode;
  /** Date.now() when the request was sent and when it ended. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** HTTP status, or 0 when the request failed without one. */
  readonly status: number;
  /** `200`, `403 RBAC: access denied`, `ECONNRESET`, `timeout`... */
  readonly reason: string;
}

export interface SteadyLoadOptions {
  readonly targets: readonly LoadTarget[];
  /** Requests per second per target and per mode. */
  readonly ratePerSecond: number;
  readonly modes?: readonly LoadMode[];
  readonly maxDurationMs: number;
  readonly maxRequests: number;
  /** Per request; default 5 s. */
  readonly requestTimeoutMs?: number;
}

export interface SteadyLoad {
  /** Every result so far, in order of completion. */
  readonly results: readonly LoadResult[];
  /** Results that are not a 200 (optionally only for one target, and from a time on). */
  failures(filter?: { target?: string; from?: number; to?: number }): LoadResult[];
  /** Requests sent and not yet ended. */
  inFlight(): number;
  /** Stops sending, waits for the requests in flight (bounded by their timeout), closes the agents. */
  stop(): Promise<void>;
  /** A one-line summary: totals and failure reasons counted. */
  summary(): string;
  /** The first `max` failures, one line each, with their start time relative to `origin` (Date.now() value). */
  describeFailures(origin: number, max?: number, keep?: (r: LoadResult) => boolean): string;
}

export function startSteadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const modes = options.modes ?? ['keep-alive', 'new-connection'];
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  const results: LoadResult[] = [];
  let sent = 0;
  let inFlight = 0;
  let stopped = false;
  const idle: (() => void)[] = [];
  const agents = new Map<string, Agent>();
  const intervalMs = 1000 / options.ratePerSecond;
  const began = performance.now();

  const one = (target: LoadTarget, mode: LoadMode): void => {
    let agent: Agent | false = false;
    if (mode === 'keep-alive') {
      agent = agents.get(target.name) ?? new Agent({ keepAlive: true, maxSockets: 4, ...(target.localAddress !== undefined ? { localAddress: target.localAddress } : {}) });
      agents.set(target.name, agent);
    }
    sent++;
    inFlight++;
    const startedAt = Date.now();
    let done = false;
    const finish = (status: number, reason: string): void => {
      if (done) return;
      done = true;
      inFlight--;
      results.push({ target: target.name, mode, startedAt, endedAt: Date.now(), status, reason });
      if (inFlight === 0) for (const w of idle.splice(0)) w();
    };
    const req = request({
      host: target.host,
      port: target.port,
      path: target.path,
      method: 'GET',
      agent,
      ...(agent === false && target.localAddress !== undefined ? { localAddress: target.localAddress } : {}),
      headers: { host: target.hostHeader ?? `${target.host}:${target.port}`, ...(mode === 'new-connection' ? { connection: 'close' } : {}) },
      timeout: timeoutMs,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 300) body += c;
      });
      res.on('end', () => finish(res.statusCode ?? 0, res.statusCode === 200 ? '200' : `${res.statusCode ?? 0} ${body.replace(/\s+/g, ' ').slice(0, 160)}`));
      res.on('error', (e: NodeJS.ErrnoException) => finish(0, `response ${e.code ?? e.message}`));
    });
    req.on('timeout', () => {
      req.destroy(new Error('timeout'));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(0, e.code ?? e.message));
    req.end();
  };

  // One ticker per target and mode, each sending at the fixed rate whatever the answers take.
  const timers: NodeJS.Timeout[] = [];
  for (const target of options.targets) {
    for (const mode of modes) {
      timers.push(setInterval(() => {
        if (stopped) return;
        if (sent >= options.maxRequests || performance.now() - began > options.maxDurationMs) {
          stopped = true;
          for (const t of timers) clearInterval(t);
          return;
        }
        one(target, mode);
      }, intervalMs));
    }
  }

  return {
    results,
    failures(filter = {}) {
      return results.filter((r) => r.status !== 200
        && (filter.target === undefined || r.target === filter.target)
        && (filter.from === undefined || r.startedAt >= filter.from)
        && (filter.to === undefined || r.startedAt <= filter.to));
    },
    inFlight: () => inFlight,
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      if (inFlight > 0) await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs + 1000);
        idle.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      for (const a of agents.values()) a.destroy();
    },
    describeFailures(origin, max = 30, keep = () => true) {
      return results.filter((r) => r.status !== 200 && keep(r)).slice(0, max)
        .map((r) => `+${((r.startedAt - origin) / 1000).toFixed(3)} s (${r.endedAt - r.startedAt} ms) ${r.target} ${r.mode}: ${r.reason}`).join('\n');
    },
    summary() {
      const reasons = new Map<string, number>();
      for (const r of results) if (r.status !== 200) reasons.set(`${r.target} ${r.mode}: ${r.reason}`, (reasons.get(`${r.target} ${r.mode}: ${r.reason}`) ?? 0) + 1);
      const ok = results.filter((r) => r.status === 200).length;
      const parts = [...reasons.entries()].map(([k, n]) => `${n}× ${k}`);
      return `${results.length} requests, ${ok} ok, ${results.length - ok} failed${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`;
    },
  };
}
