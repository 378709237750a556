// Reads CPU ticks and RSS of benchmarked processes from /proc (Linux), and samples peak RSS.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseStatusMemory } from '../src/proxy/memory/status-memory.js';
import { countTcpSockets, parseChildren, parseMachineCpu, parseProcStat, type MachineCpu } from './proc-parse.js';

/** Clock ticks per second for /proc/PID/stat times (`getconf CLK_TCK`, 100 on Linux in practice). */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The process and all its descendants (nginx: master + worker), depth-first; gone processes are skipped. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number, depth: number): void => {
    if (depth > 8 || readText(`/proc/${p}/stat`) === undefined) return;
    out.push(p);
    for (const c of parseChildren(readText(`/proc/${p}/task/${p}/children`) ?? '')) visit(c, depth + 1);
  };
  visit(pid, 0);
  return out;
}

/** utime + stime ticks of the process tree rooted at each pid, summed. */
export function cpuTicks(rootPid: number): number {
  let sum = 0;
  for (const p of processTree(rootPid)) {
    const st = parseProcStat(readText(`/proc/${p}/stat`) ?? '');
    if (st) sum += st.utimeTicks + st.stimeTicks;
  }
  return sum;
}

/** The two parts of an RSS sample: anonymous (the process's own memory) and file-backed (mapped files, shared). */
export interface RssSplit {
  readonly anonMb: number;
  readonly fileMb: number;
}

/** VmRSS of the process tree rooted at pid with its anonymous and file-backed parts, in MB (2^20 bytes); NaN when it is gone. */
export function rssPartsMb(rootPid: number): RssSplit & { readonly rssMb: number } {
  let rss = 0;
  let anon = 0;
  let file = 0;
  let seen = false;
  for (const p of processTree(rootPid)) {
    const m = parseStatusMemory(readText(`/proc/${p}/status`) ?? '');
    if (m !== undefined) {
      rss += m.vmRssKb;
      anon += m.rssAnonKb;
      file += m.rssFileKb;
      seen = true;
    }
  }
  return seen ? { rssMb: rss / 1024, anonMb: anon / 1024, fileMb: file / 1024 } : { rssMb: Number.NaN, anonMb: Number.NaN, fileMb: Number.NaN };
}

/** VmRSS of the process tree rooted at pid, in MB (1 MB = 2^20 bytes), NaN when it is gone. */
export function rssMb(rootPid: number): number {
  return rssPartsMb(rootPid).rssMb;
}

/** Samples the RSS of some processes every `intervalMs` and keeps each one's peak until stopped. */
export interface RssSampler {
  /** Stops sampling (after one last sample) and returns the peak RSS in MB per root pid. */
  stop(): Map<number, number>;
  /** The anonymous / file-backed split of each pid's peak sample (valid after `stop`). */
  peakSplit(): Map<number, RssSplit>;
}

export function startRssSampler(pids: readonly number[], intervalMs = 500): RssSampler {
  const peak = new Map<number, number>(pids.map((p) => [p, Number.NaN]));
  const split = new Map<number, RssSplit>();
  const sample = (): void => {
    for (const p of pids) {
      const v = rssPartsMb(p);
      const prev = peak.get(p) ?? Number.NaN;
      if (Number.isFinite(v.rssMb) && !(v.rssMb <= prev)) {
        peak.set(p, v.rssMb);
        split.set(p, { anonMb: v.anonMb, fileMb: v.fileMb });
      }
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
    peakSplit() {
      return split;
    },
  };
}

/** Busy/total ticks of the whole machine now (/proc/stat). */
export function machineCpu(): MachineCpu {
  return parseMachineCpu(readText('/proc/stat') ?? '') ?? { busyTicks: Number.NaN, totalTicks: Number.NaN };
}

/** Sockets in `state` of connections to a server on `port` (IPv4 and IPv6 tables); see countTcpSockets. */
export function tcpSocketsOnPort(port: number, state: number, end: 'server' | 'any' = 'server'): number {
  return (
    countTcpSockets(readText('/proc/net/tcp') ?? '', port, state, end) + countTcpSockets(readText('/proc/net/tcp6') ?? '', port, state, end)
  );
}
