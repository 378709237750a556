// Pure: medians across rounds, ratios against HAProxy and direct, and the issue-4 target verdicts.
import type { ProxyConfigId } from './args.js';
import type { ConfigRun, HopRole, HopRound, ProxyBenchRun } from './proxy-results.js';
import { fmtInt } from './markdown.js';
import { maxOf, spread, type Spread } from './stats.js';

export interface HopSummary {
  readonly role: HopRole;
  readonly fixedVcpu: Spread;
  readonly wrkVcpu: Spread;
  /** Round 1's idle RSS: fresh process, one warm-up request. */
  readonly idleFreshMb: number;
  /** Idle RSS after load: rounds 2.. before their load, and once more after the last round. */
  readonly idleAfterLoadMb: Spread;
  /** Highest RSS sampled (every 0.5 s) during any fixed-rate run. */
  readonly peakAtRateMb: number;
  /** That sample's anonymous and file-backed parts (NaN when not sampled). */
  readonly peakAtRateAnonMb: number;
  readonly peakAtRateFileMb: number;
  /** Highest RSS sampled during any wrk run. */
  readonly peakUnderWrkMb: number;
}

export interface ConfigSummary {
  readonly id: ProxyConfigId;
  readonly label: string;
  readonly unavailable: string | undefined;
  readonly wrkRps: Spread;
  readonly wrkP50Ms: Spread;
  readonly wrkP99Ms: Spread;
  readonly wrkErrors: number;
  readonly p50Ms: Spread;
  readonly p90Ms: Spread;
  readonly p99Ms: Spread;
  readonly p999Ms: Spread;
  readonly coP99Ms: Spread;
  readonly achievedRps: Spread;
  readonly fixedErrors: number;
  readonly hops: readonly HopSummary[];
}

/** ` (anonymous a1 / a2, file-backed f1 / f2 MB)` for the target row, '' when the parts were not sampled. */
function rssParts(h1: HopSummary | undefined, h2: HopSummary | undefined): string {
  const mb = (v: number | undefined): string | undefined => (v !== undefined && Number.isFinite(v) ? v.toFixed(1) : undefined);
  const [a1, a2, f1, f2] = [mb(h1?.peakAtRateAnonMb), mb(h2?.peakAtRateAnonMb), mb(h1?.peakAtRateFileMb), mb(h2?.peakAtRateFileMb)];
  if (a1 === undefined || a2 === undefined || f1 === undefined || f2 === undefined) return '';
  return ` (anonymous ${a1} / ${a2}, file-backed ${f1} / ${f2})`;
}

/** The anonymous / file-backed parts of the round whose fixed-rate peak was highest. */
function splitOfPeak(per: readonly (HopRound | undefined)[]): { peakAtRateAnonMb: number; peakAtRateFileMb: number } {
  let best: HopRound | undefined;
  for (const h of per) if (h !== undefined && Number.isFinite(h.fixedPeakRssMb) && !(h.fixedPeakRssMb <= (best?.fixedPeakRssMb ?? Number.NaN))) best = h;
  return { peakAtRateAnonMb: best?.fixedPeakAnonMb ?? Number.NaN, peakAtRateFileMb: best?.fixedPeakFileMb ?? Number.NaN };
}

/** Summarises one configuration's rounds (failed runs drop out of the medians and are counted). */
export function summarizeConfig(c: ConfigRun): ConfigSummary {
  const wrk = c.rounds.map((r) => r.wrk);
  const fixed = c.rounds.map((r) => r.fixed);
  const w = (f: (x: NonNullable<(typeof wrk)[number]>) => number): Spread => spread(wrk.map((x) => (x ? f(x) : Number.NaN)));
  const fr = (f: (x: NonNullable<(typeof fixed)[number]>) => number): Spread => spread(fixed.map((x) => (x ? f(x) : Number.NaN)));
  const hops = c.hopRoles.map((role): HopSummary => {
    const per = c.rounds.map((r) => r.hops.find((h) => h.role === role));
    const finalIdle = c.finalIdleRssMb.find((x) => x.role === role)?.mb ?? Number.NaN;
    return {
      role,
      fixedVcpu: spread(per.map((h) => h?.fixedVcpu ?? Number.NaN)),
      wrkVcpu: spread(per.map((h) => h?.wrkVcpu ?? Number.NaN)),
      idleFreshMb: per[0]?.idleRssMb ?? Number.NaN,
      idleAfterLoadMb: spread([...per.slice(1).map((h) => h?.idleRssMb ?? Number.NaN), finalIdle]),
      peakAtRateMb: maxOf(per.map((h) => h?.fixedPeakRssMb ?? Number.NaN)),
      ...splitOfPeak(per),
      peakUnderWrkMb: maxOf(per.map((h) => h?.wrkPeakRssMb ?? Number.NaN)),
    };
  });
  return {
    id: c.id,
    label: c.label,
    unavailable: c.unavailable,
    wrkRps: w((x) => x.requestsPerSecond),
    wrkP50Ms: w((x) => x.p50Ms),
    wrkP99Ms: w((x) => x.p99Ms),
    wrkErrors: wrk.reduce((s, x) => s + (x ? x.socketErrors + x.non2xx : 0), 0),
    p50Ms: fr((x) => x.p50Ms),
    p90Ms: fr((x) => x.p90Ms),
    p99Ms: fr((x) => x.p99Ms),
    p999Ms: fr((x) => x.p999Ms),
    coP99Ms: fr((x) => x.coP99Ms),
    achievedRps: fr((x) => x.achievedRps),
    fixedErrors: fixed.reduce((s, x) => s + (x ? x.errors + x.non2xx : 0), 0),
    hops,
  };
}

/** Added latency of a chain over direct (A), from the medians: p50, p90, p99 in ms (NaN without data). */
export function addedLatency(chain: ConfigSummary | undefined, direct: ConfigSummary | undefined): { p50: number; p90: number; p99: number } {
  if (!chain || !direct) return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN };
  return {
    p50: chain.p50Ms.median - direct.p50Ms.median,
    p90: chain.p90Ms.median - direct.p90Ms.median,
    p99: chain.p99Ms.median - direct.p99Ms.median,
  };
}

export type Verdict = 'PASS' | 'FALLS SHORT' | 'NOT MEASURED';

export interface TargetCheck {
  readonly target: string;
  readonly weft: string;
  readonly haproxy: string;
  readonly verdict: Verdict;
}

/** The four targets of issue 4's benchmark acceptance, judged on the medians (RSS: on the peak). */
export const targets = {
  maxThroughputRatio: 0.7,
  maxVcpuPerHop: 0.15,
  maxRssMb: 50,
} as const;

function verdict(measured: boolean, pass: boolean): Verdict {
  if (!measured) return 'NOT MEASURED';
  return pass ? 'PASS' : 'FALLS SHORT';
}

const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');
const f3 = (n: number): string => (Number.isFinite(n) ? n.toFixed(3) : '–');
const signed = (n: number): string => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(3)}` : '–');

/** Judges Weft (W) against issue 4's targets, with HAProxy (B) and direct (A) from the same run. */
export function checkTargets(summaries: readonly ConfigSummary[]): TargetCheck[] {
  const by = (id: ProxyConfigId): ConfigSummary | undefined => summaries.find((s) => s.id === id && s.unavailable === undefined);
  const a = by('A');
  const b = by('B');
  const w = by('W');
  const addedW = addedLatency(w, a);
  const addedB = addedLatency(b, a);
  const ratio = w && b ? w.wrkRps.median / b.wrkRps.median : Number.NaN;
  const hop = (s: ConfigSummary | undefined, role: HopRole) => s?.hops.find((h) => h.role === role);
  const wVcpu = [hop(w, 'hop1')?.fixedVcpu.median ?? Number.NaN, hop(w, 'hop2')?.fixedVcpu.median ?? Number.NaN];
  const bVcpu = [hop(b, 'hop1')?.fixedVcpu.median ?? Number.NaN, hop(b, 'hop2')?.fixedVcpu.median ?? Number.NaN];
  const wRss = [hop(w, 'hop1')?.peakAtRateMb ?? Number.NaN, hop(w, 'hop2')?.peakAtRateMb ?? Number.NaN];
  const bRss = [hop(b, 'hop1')?.peakAtRateMb ?? Number.NaN, hop(b, 'hop2')?.peakAtRateMb ?? Number.NaN];
  return [
    {
      target: "added p99 at 1,000 rps ≤ HAProxy's (vs direct, medians)",
      weft: `${signed(addedW.p99)} ms`,
      haproxy: `${signed(addedB.p99)} ms`,
      verdict: verdict(Number.isFinite(addedW.p99) && Number.isFinite(addedB.p99), addedW.p99 <= addedB.p99),
    },
    {
      target: `max throughput ≥ ${targets.maxThroughputRatio.toFixed(2)}× HAProxy's`,
      weft: `${fmtInt(w?.wrkRps.median ?? Number.NaN)} req/s = ${f2(ratio)}×`,
      haproxy: `${fmtInt(b?.wrkRps.median ?? Number.NaN)} req/s`,
      verdict: verdict(Number.isFinite(ratio), ratio >= targets.maxThroughputRatio),
    },
    {
      target: `≤ ${targets.maxVcpuPerHop} vCPU per hop at 1,000 rps (median)`,
      weft: `hop1 ${f3(wVcpu[0] as number)} / hop2 ${f3(wVcpu[1] as number)}`,
      haproxy: `hop1 ${f3(bVcpu[0] as number)} / hop2 ${f3(bVcpu[1] as number)}`,
      verdict: verdict(wVcpu.every(Number.isFinite), wVcpu.every((v) => v <= targets.maxVcpuPerHop)),
    },
    {
      target: `< ${targets.maxRssMb} MB RSS per sidecar at 1,000 rps (peak of any round)`,
      weft: `hop1 ${f2(wRss[0] as number)} / hop2 ${f2(wRss[1] as number)} MB${rssParts(hop(w, 'hop1'), hop(w, 'hop2'))}`,
      haproxy: `hop1 ${f2(bRss[0] as number)} / hop2 ${f2(bRss[1] as number)} MB${rssParts(hop(b, 'hop1'), hop(b, 'hop2'))}`,
      verdict: verdict(wRss.every(Number.isFinite), wRss.every((v) => v < targets.maxRssMb)),
    },
  ];
}

/** Convenience: all summaries of a run, in the run's configuration order. */
export function summarizeRun(run: ProxyBenchRun): ConfigSummary[] {
  return run.configs.map(summarizeConfig);
}
