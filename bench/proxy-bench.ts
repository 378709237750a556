// The `proxy` benchmark (issue 4): starts the upstream and the chains, runs interleaved rounds of
// wrk (max throughput) and the fixed-rate generator (latency, CPU at a fixed rate), samples RSS,
// and returns the raw record. Every process is started through the registry and stopped by PID.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { hrtime } from 'node:process';
import { fileURLToPath } from 'node:url';
import type { BenchOptions, ProxyConfigId } from './args.js';
import { directChain, labels, startHaproxyChain, startUpstream, startWeftChain, type Chain, type ChainStart } from './chains.js';
import { isLoopbackHost, type FixedRateResult } from './fixed-rate-summary.js';
import { machineInfo } from './machine.js';
import { createOpensslPki } from './pki-openssl.js';
import { tcpStates, vcpu, type MachineCpu } from './proc-parse.js';
import { clockTicksPerSecond, cpuTicks, machineCpu, rssMb, startRssSampler, tcpSocketsOnPort, type RssSplit } from './proc-sample.js';
import { runBounded, type ProcessRegistry } from './processes.js';
import type { ConfigRound, ConfigRun, HopRound, ProxyBenchRun } from './proxy-results.js';
import { parseWrkOutput } from './wrk-output.js';

export interface BenchContext {
  readonly registry: ProcessRegistry;
  readonly tempDir: string;
  readonly command: string;
  readonly progress: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const nowS = (): number => Number(hrtime.bigint()) / 1e9;
const fixedRateMain = fileURLToPath(new URL('./fixed-rate-main.js', import.meta.url));

function assertLoopback(url: string): void {
  if (!isLoopbackHost(new URL(url).hostname)) throw new Error(`refusing to load ${url}: loopback only`);
}

/** Parses the generator's result line (JSON turns NaN into null: turn it back). */
function parseFixedResult(line: string): FixedRateResult | undefined {
  const raw = JSON.parse(line, (_k, v: unknown) => (v === null ? Number.NaN : v)) as Record<string, unknown>;
  if (raw.event !== 'result') return undefined;
  const { event: _event, ...rest } = raw;
  return rest as unknown as FixedRateResult;
}

async function measureRound(
  chain: Chain,
  upstreamPid: number,
  round: number,
  o: BenchOptions,
  ticksPerS: number,
  log: (l: string) => void,
): Promise<ConfigRound> {
  const problems: string[] = [];
  const pids = chain.hops.map((h) => h.pid);
  const idle = pids.map(rssMb);
  assertLoopback(chain.url);

  // 1. Max throughput with wrk, CPU and peak RSS over the run.
  const wrkTicks0 = pids.map(cpuTicks);
  const wrkT0 = nowS();
  const wrkSampler = startRssSampler(pids);
  let establishedMid = Number.NaN;
  const port = chain.interHopPort;
  const midTimer =
    port === undefined ? undefined : setTimeout(() => (establishedMid = tcpSocketsOnPort(port, tcpStates.established)), (o.wrkSeconds * 1000) / 2);
  const wrkRun = await runBounded('wrk', ['-t2', '-c16', `-d${o.wrkSeconds}s`, '--latency', chain.url], (o.wrkSeconds + 20) * 1000);
  const wrkT1 = nowS();
  const wrkTicks1 = pids.map(cpuTicks);
  const wrkPeaks = wrkSampler.stop();
  if (midTimer) clearTimeout(midTimer);
  const interHop = port === undefined ? undefined : { establishedMidWrk: establishedMid, timeWaitAfterWrk: tcpSocketsOnPort(port, tcpStates.timeWait, 'any') };
  const wrk = parseWrkOutput(wrkRun.stdout);
  if (!wrk) problems.push(`wrk produced no result${wrkRun.timedOut ? ' (killed at its time bound)' : ''}: ${(wrkRun.stderr || wrkRun.stdout).trim().slice(0, 160)}`);
  else if (wrk.socketErrors + wrk.non2xx > 0) problems.push(`wrk: ${wrk.socketErrors} socket errors, ${wrk.non2xx} non-2xx`);

  await sleep(o.pauseSeconds * 1000);

  // 2. Fixed rate: CPU ticks and RSS over the measured window only (the generator says when it opens).
  let ticksA: number[] | undefined;
  let ticksB: number[] | undefined;
  let boxA: MachineCpu | undefined;
  let boxB: MachineCpu | undefined;
  // Everything the benchmark itself runs during the window: the chain, the upstream, the generator.
  const own = [...new Set([...pids, upstreamPid])];
  let genPid = 0;
  let ownA = 0;
  let ownB = 0;
  const ownTicks = (): number => [...own, genPid].reduce((s, p) => s + (p > 0 ? cpuTicks(p) : 0), 0) + cpuTicks(process.pid);
  let tA = 0;
  let tB = 0;
  let sampler: ReturnType<typeof startRssSampler> | undefined;
  let peaks: Map<number, number> | undefined;
  let peakSplits: Map<number, RssSplit> | undefined;
  let fixed: FixedRateResult | undefined;
  const fixedRun = await runBounded(
    process.execPath,
    [fixedRateMain, chain.url, String(o.rate), String(o.connections), String(o.fixedSeconds), String(o.warmupSeconds)],
    (o.warmupSeconds + o.fixedSeconds + 30) * 1000,
    (line: string) => {
      if (line.includes('"measuring"')) {
        ticksA = pids.map(cpuTicks);
        ownA = ownTicks();
        boxA = machineCpu();
        tA = nowS();
        sampler = startRssSampler(pids);
      } else if (line.includes('"result"')) {
        ticksB = pids.map(cpuTicks);
        ownB = ownTicks();
        boxB = machineCpu();
        tB = nowS();
        peaks = sampler?.stop();
        peakSplits = sampler?.peakSplit();
        sampler = undefined;
        try {
          fixed = parseFixedResult(line);
        } catch {
          problems.push('fixed-rate: unreadable result line');
        }
      }
    },
    (pid: number) => {
      genPid = pid;
    },
  );
  if (sampler) {
    peaks = sampler.stop();
    peakSplits = sampler.peakSplit();
  }
  if (!fixed) problems.push(`fixed-rate produced no result (exit ${String(fixedRun.code)}${fixedRun.timedOut ? ', killed at its time bound' : ''}): ${fixedRun.stderr.trim().slice(0, 160)}`);
  else if (fixed.errors + fixed.non2xx > 0) problems.push(`fixed-rate: ${fixed.errors} errors, ${fixed.non2xx} non-2xx`);

  const hops = chain.hops.map((h, i): HopRound => ({
    role: h.role,
    idleRssMb: idle[i] as number,
    wrkVcpu: vcpu((wrkTicks1[i] as number) - (wrkTicks0[i] as number), ticksPerS, wrkT1 - wrkT0),
    wrkPeakRssMb: wrkPeaks.get(h.pid) ?? Number.NaN,
    fixedVcpu: ticksA && ticksB ? vcpu((ticksB[i] as number) - (ticksA[i] as number), ticksPerS, tB - tA) : Number.NaN,
    fixedPeakRssMb: peaks?.get(h.pid) ?? Number.NaN,
    fixedPeakAnonMb: peakSplits?.get(h.pid)?.anonMb ?? Number.NaN,
    fixedPeakFileMb: peakSplits?.get(h.pid)?.fileMb ?? Number.NaN,
  }));
  const boxBusyVcpuAtRate = boxA && boxB ? vcpu(boxB.busyTicks - boxA.busyTicks, ticksPerS, tB - tA) : Number.NaN;
  const otherVcpuAtRate = boxBusyVcpuAtRate - vcpu(ownB - ownA, ticksPerS, tB - tA);
  const f3 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(3));
  log(
    `round ${round}/${o.rounds} ${chain.id}: wrk ${wrk ? Math.round(wrk.requestsPerSecond) : '–'} req/s; ` +
      `${o.rate} rps p50 ${f3(fixed?.p50Ms)} p90 ${f3(fixed?.p90Ms)} p99 ${f3(fixed?.p99Ms)} ms; ` +
      hops.map((h) => `${h.role} ${f3(h.fixedVcpu)} vCPU ${h.fixedPeakRssMb.toFixed(1)} MB`).join(', ') +
      `; box busy ${f3(boxBusyVcpuAtRate)} vCPU, other work ${f3(otherVcpuAtRate)}` +
      (interHop ? `; hop1→hop2 conns ${interHop.establishedMidWrk} (TIME_WAIT ${interHop.timeWaitAfterWrk})` : '') +
      (problems.length > 0 ? `; PROBLEMS: ${problems.join('; ')}` : ''),
  );
  return { round, wrk, fixed, problems, hops, boxBusyVcpuAtRate, otherVcpuAtRate, interHop };
}

/** Runs the whole proxy benchmark and returns its record (the caller renders and writes it). */
export async function runProxyBench(o: BenchOptions, ctx: BenchContext): Promise<ProxyBenchRun> {
  const startedAt = new Date().toISOString();
  const loadStart = loadavg()[0] ?? Number.NaN;
  const t0 = nowS();
  const log = ctx.progress;
  const machine = machineInfo();
  const ticksPerS = clockTicksPerSecond();
  log(`machine: ${machine.cpuModel}, ${machine.cores} vCPU, ${machine.kernel}, Node ${machine.node}`);
  log(`temp dir ${ctx.tempDir}; making the PKI with openssl`);
  const pki = await createOpensslPki(ctx.tempDir);
  const upstream = await startUpstream(ctx.registry, ctx.tempDir);
  log(`upstream nginx pid ${upstream.pid} on 127.0.0.1:${upstream.port}`);

  const starts = new Map<ProxyConfigId, ChainStart>();
  for (const id of o.configs) {
    let s: ChainStart;
    if (id === 'A') s = { ok: true, chain: directChain(upstream) };
    else if (id === 'B') s = await startHaproxyChain(ctx.registry, ctx.tempDir, pki, upstream.port);
    else if (id === 'W') s = await startWeftChain(ctx.registry, ctx.tempDir, pki, upstream.port, o.weftNodeOptions);
    else s = await startWeftChain(ctx.registry, join(ctx.tempDir, 'v'), pki, upstream.port, o.weftNodeOptions, 'V');
    starts.set(id, s);
    if (s.ok) log(`${labels[id]}: ready at ${s.chain.url} (pids ${s.chain.hops.map((h) => `${h.role}=${h.pid}`).join(' ')}); checks: ${s.chain.checks.join('; ')}`);
    else log(`${labels[id]}: NOT AVAILABLE: ${s.reason}`);
  }

  const rounds = new Map<ProxyConfigId, ConfigRound[]>(o.configs.map((id) => [id, []]));
  for (let r = 1; r <= o.rounds; r++) {
    for (const id of o.configs) {
      const s = starts.get(id);
      if (!s?.ok) continue;
      rounds.get(id)?.push(await measureRound(s.chain, upstream.pid, r, o, ticksPerS, log));
      await sleep(o.pauseSeconds * 1000);
    }
  }

  const configs: ConfigRun[] = [];
  for (const id of o.configs) {
    const s = starts.get(id);
    if (!s?.ok) {
      configs.push({ id, label: labels[id], unavailable: s?.reason ?? 'not started', hopRoles: [], checks: [], rounds: [], finalIdleRssMb: [] });
      continue;
    }
    const afterRun = s.chain.afterRun ? await s.chain.afterRun() : { checks: [], warnings: [] };
    const after = afterRun.checks;
    const ih = (rounds.get(id) ?? []).flatMap((r) => (r.interHop ? [r.interHop] : []));
    if (ih.length > 0) {
      const est = ih.map((x) => x.establishedMidWrk);
      after.push(
        `hop1→hop2 connections half-way through wrk: ${Math.min(...est)}–${Math.max(...est)} established, ` +
          `${Math.max(...ih.map((x) => x.timeWaitAfterWrk))} in TIME_WAIT after it (pooled, not reconnecting)`,
      );
    }
    configs.push({
      id,
      label: labels[id],
      unavailable: undefined,
      hopRoles: s.chain.hops.map((h) => h.role),
      checks: [...s.chain.checks, ...after],
      warnings: afterRun.warnings,
      rounds: rounds.get(id) ?? [],
      finalIdleRssMb: s.chain.hops.map((h) => ({ role: h.role, mb: rssMb(h.pid) })),
    });
  }
  const notes: string[] = [];
  if (o.weftNodeOptions.length > 0 && (o.configs.includes('W') || o.configs.includes('V'))) notes.push(`The weft proxy processes ran with node options \`${o.weftNodeOptions.join(' ')}\`.`);
  if (machine.cores <= 2) notes.push(`Load generator, upstream and both hops share ${machine.cores} vCPU: max throughput is a whole-box figure; compare ratios within this run.`);
  return {
    startedAt,
    loadAverage: { start: loadStart, end: loadavg()[0] ?? Number.NaN },
    durationSeconds: nowS() - t0,
    command: ctx.command,
    machine,
    settings: {
      rounds: o.rounds,
      wrkSeconds: o.wrkSeconds,
      fixedSeconds: o.fixedSeconds,
      warmupSeconds: o.warmupSeconds,
      rate: o.rate,
      connections: o.connections,
      quick: o.quick,
    },
    configs,
    notes,
  };
}
