import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FixedRateResult } from '../../bench/fixed-rate-summary.js';
import { renderProxyReport } from '../../bench/proxy-report.js';
import type { ConfigRound, ConfigRun, HopRole, ProxyBenchRun } from '../../bench/proxy-results.js';
import { checkTargets, summarizeConfig, summarizeRun } from '../../bench/proxy-summary.js';

function fixed(p50: number, p90: number, p99: number): FixedRateResult {
  return {
    targetRps: 1000, connections: 16, seconds: 10, measured: 10000, achievedRps: 1000, errors: 0, non2xx: 0,
    meanMs: p50, p50Ms: p50, p90Ms: p90, p99Ms: p99, p999Ms: p99 * 2, maxMs: p99 * 3, coP50Ms: p50, coP90Ms: p90, coP99Ms: p99 * 1.2,
  };
}

function round(r: number, rps: number, lat: [number, number, number], roles: HopRole[], cpu: number, rss: number): ConfigRound {
  return {
    round: r,
    wrk: { requestsPerSecond: rps, requests: rps * 10, p50Ms: 1, p99Ms: 3, socketErrors: 0, non2xx: 0 },
    fixed: fixed(...lat),
    problems: [],
    hops: roles.map((role) => ({ role, idleRssMb: rss - 5 + r, wrkVcpu: 0.5, wrkPeakRssMb: rss + 5, fixedVcpu: cpu + r / 1000, fixedPeakRssMb: rss + r, fixedPeakAnonMb: rss / 2 + r, fixedPeakFileMb: rss / 2 })),
    boxBusyVcpuAtRate: 0.4,
    otherVcpuAtRate: 0.05,
    interHop: roles.includes('hop1') ? { establishedMidWrk: 16, timeWaitAfterWrk: 0 } : undefined,
  };
}

function config(id: 'A' | 'B' | 'W', rounds: ConfigRound[], unavailable?: string): ConfigRun {
  const roles: HopRole[] = id === 'A' ? ['upstream'] : ['hop1', 'hop2'];
  return {
    id,
    label: `${id} label`,
    unavailable,
    hopRoles: unavailable ? [] : roles,
    checks: unavailable ? [] : ['200 with the 1,024-byte body'],
    rounds: unavailable ? [] : rounds,
    finalIdleRssMb: unavailable ? [] : roles.map((role) => ({ role, mb: 30 })),
  };
}

const hops: HopRole[] = ['hop1', 'hop2'];
const A = config('A', [1, 2, 3].map((r) => round(r, 80000, [0.2, 0.35, 0.6 + r / 100], ['upstream'], 0.03, 12)));
const B = config('B', [1, 2, 3].map((r) => round(r, 20000 + r * 1000, [0.45, 0.7, 1.3 + r / 100], hops, 0.09, 18)));

function run(w: ConfigRun): ProxyBenchRun {
  return {
    startedAt: '2026-11-22T01:00:00.000Z',
    loadAverage: { start: 0.5, end: 1.5 },
    durationSeconds: 600,
    command: 'npm run bench -- proxy',
    machine: { cpuModel: 'AMD EPYC', cores: 2, memoryGiB: 24, kernel: 'Linux 6.18', node: 'v20.20.2', haproxy: 'HAProxy 2.6.12', nginx: 'nginx/1.22.1', wrk: 'wrk 4.1.0', openssl: 'OpenSSL 3.0' },
    settings: { rounds: 3, wrkSeconds: 10, fixedSeconds: 10, warmupSeconds: 2, rate: 1000, connections: 16, quick: false },
    configs: [A, B, w],
    notes: [],
  };
}

test('summaries take medians across rounds, the fresh idle RSS from round 1 and the peak over all rounds', () => {
  const s = summarizeConfig(B);
  assert.equal(s.wrkRps.median, 22000);
  assert.equal(s.wrkRps.min, 21000);
  assert.equal(s.p99Ms.median, 1.32);
  const hop1 = s.hops.find((h) => h.role === 'hop1');
  assert.ok(hop1);
  assert.equal(hop1.fixedVcpu.median, 0.092);
  assert.equal(hop1.idleFreshMb, 14);
  assert.equal(hop1.idleAfterLoadMb.median, 16); // rounds 2, 3 (15, 16) and the final 30
  assert.equal(hop1.peakAtRateMb, 21);
  // The split is that of the highest round's sample (round 3: 18 + 3), not the highest parts of any round.
  assert.equal(hop1.peakAtRateAnonMb, 12);
  assert.equal(hop1.peakAtRateFileMb, 9);
});

test('the memory target row and table say how much of the peak RSS is anonymous and how much file-backed', () => {
  const W = config('W', [1, 2, 3].map((r) => round(r, 16000, [0.5, 0.8, 1.3], hops, 0.11, 44)));
  const checks = checkTargets(summarizeRun(run(W)));
  assert.equal(checks[3]?.weft, 'hop1 47.00 / hop2 47.00 MB (anonymous 25.0 / 25.0, file-backed 22.0 / 22.0)');
  const md = renderProxyReport(run(W));
  assert.match(md, /of it anonymous \/ file-backed/);
  assert.match(md, /\| 47\.0 \| 25\.0 \/ 22\.0 \|/);
});

test('targets: a Weft chain that meets all four passes', () => {
  const W = config('W', [1, 2, 3].map((r) => round(r, 16000 + r * 100, [0.5, 0.8, 1.3 + r / 100], hops, 0.11, 45)));
  const checks = checkTargets(summarizeRun(run(W)));
  assert.deepEqual(checks.map((c) => c.verdict), ['PASS', 'PASS', 'PASS', 'PASS']);
  assert.equal(checks[1]?.weft, '16,200 req/s = 0.74×');
});

test('targets: each shortfall is named, honestly', () => {
  const W = config('W', [1, 2, 3].map((r) => round(r, 12000, [0.9, 1.5, 2.5], hops, 0.2, 60)));
  const checks = checkTargets(summarizeRun(run(W)));
  assert.deepEqual(checks.map((c) => c.verdict), ['FALLS SHORT', 'FALLS SHORT', 'FALLS SHORT', 'FALLS SHORT']);
  assert.equal(checks[0]?.weft, '+1.880 ms');
  assert.equal(checks[0]?.haproxy, '+0.700 ms');
});

test('an unavailable Weft chain is reported with its reason, and the targets as not measured', () => {
  const W = config('W', [], '`weft proxy` is not built yet');
  const report = renderProxyReport(run(W));
  assert.ok(report.includes('| W label | not available: `weft proxy` is not built yet |'));
  assert.equal((report.match(/\*\*NOT MEASURED\*\*/g) ?? []).length, 4);
  assert.match(report, /AMD EPYC, 2 vCPU, 24 GiB, Linux 6\.18; Node\.js v20\.20\.2; HAProxy 2\.6\.12; nginx nginx\/1\.22\.1; wrk 4\.1\.0; OpenSSL 3\.0/);
  assert.match(report, /2026-11-22 01:00:00 UTC/);
  // B's row: median 22,000 req/s, 1.00× itself, 0.275× direct.
  assert.match(report, /\| B label \| 22,000 \[21,000–23,000\] \| 1\.00× \| 0\.275× \|/);
  // Raw rounds: 3 rounds × 2 available configs.
  assert.equal((report.match(/^\| [123] \| [AB] \|/gm) ?? []).length, 6);
  assert.doesNotMatch(report, /NaN|undefined/);
});

test('a quick run is flagged as a smoke run, not a measurement', () => {
  const W = config('W', [], 'n/a');
  const r = run(W);
  const report = renderProxyReport({ ...r, settings: { ...r.settings, rounds: 1, quick: true } });
  assert.match(report, /1 round only \(`--quick` smoke run\)/);
});

test('a run disturbed by other work on the box says so', () => {
  const W = config('W', [], 'n/a');
  const quiet = renderProxyReport(run(W));
  assert.doesNotMatch(quiet, /box was not quiet/);
  const busy = (c: ConfigRun): ConfigRun => ({ ...c, rounds: c.rounds.map((r) => ({ ...r, otherVcpuAtRate: 1.2 })) });
  const r = run(W);
  const noisy = renderProxyReport({ ...r, configs: [busy(A), busy(B), W] });
  assert.match(noisy, /median 1\.20 vCPU/);
  assert.match(noisy, /box was not quiet/);
  const Wok = config('W', [1, 2, 3].map((r) => round(r, 16000, [0.5, 0.8, 1.3], hops, 0.11, 45)));
  const noisyW = renderProxyReport({ ...r, configs: [busy(A), busy(B), busy(Wok)] });
  // Latency and throughput verdicts are qualified; CPU and RSS (per-process counters) are not.
  assert.equal((noisyW.match(/disturbed run: not a verdict to quote/g) ?? []).length, 2);
});

test('warnings of a configuration show beside the targets', () => {
  const W = { ...config('W', [1, 2, 3].map((r) => round(r, 16000, [0.5, 0.8, 1.3], hops, 0.11, 45))), warnings: ['W wrote no access-log line'] };
  const report = renderProxyReport(run(W));
  const targets = report.indexOf('### Targets');
  const caveat = report.indexOf('**Caveat: W wrote no access-log line.**');
  assert.ok(caveat > targets && caveat < report.indexOf('### Max throughput'));
});
