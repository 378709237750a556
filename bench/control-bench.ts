// `npm run bench -- control`: the control plane's scale benchmark (issue 3). Starts `weft control`
// as its own process (own WEFT_HOME), issues one certificate per namespace through the real CA API,
// applies every Service through the real apply API, connects the simulated proxies (separate
// processes, one HTTP/2 mTLS stream each), then measures changes one at a time: a mesh-wide
// AuthorizationPolicy applied through the API, and one instance's readiness flip sent on its stream.
// Each change is timed from the API's answer (or the `ready` message's send) to the last affected
// proxy's ACK of a version that contains it. The control plane's CPU comes from /proc/PID/stat and
// its peak memory from VmHWM, so neither the harness nor the simulated proxies are counted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createResourceValidator } from '../src/api/validate.js';
import { createWorkloadKeyAndCsr } from '../src/proxy/tls/csr.js';
import type { BenchOptions } from './args.js';
import { weftCliPath } from './chains.js';
import type { ChangeKind, ChangeRound, ControlBenchRun, Convergence, RoundTraffic, ScenarioRun } from './control-results.js';
import {
  benchPolicyName,
  fullScale,
  meshWidePolicy,
  namespaceName,
  policyMarker,
  quickScale,
  registrations,
  rootNamespace,
  scopedWorkloads,
  serviceAccountOf,
  serviceName,
  services,
  spiffeIdOf,
  totals,
  type BenchRegistration,
  type ControlScale,
} from './control-scenario.js';
import { startSimFleet, type SimFleet } from './control-sim-fleet.js';
import type { SimConfig, SimToRunner, SnapshotCheck } from './control-sim-protocol.js';
import { machineInfo } from './machine.js';
import { clockTicksPerSecond, cpuTicks, machineCpu } from './proc-sample.js';
import type { ProcessRegistry, Started } from './processes.js';
import { median } from './stats.js';

export interface ControlBenchContext {
  readonly registry: ProcessRegistry;
  readonly tempDir: string;
  readonly command: string;
  readonly progress: (line: string) => void;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const workloadName = 'bench';
/** Other namespaces whose first Service each scoped proxy may reach, besides its own namespace's. */
const scopedExtraNamespaces = 5;
/** 0: Node's default HTTP/2 windows, as weft proxy's control-stream client uses. */
const windowBytes = 0;

interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

async function api(base: string, method: string, path: string, body: unknown, bearer: string | undefined, timeoutMs = 120_000): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed };
}

function expectStatus(a: ApiAnswer, status: number, what: string): void {
  if (a.status !== status) throw new Error(`${what}: HTTP ${a.status} ${JSON.stringify(a.body).slice(0, 500)}`);
}

/** A field of /proc/PID/status in MB (`VmHWM:   12345 kB`), NaN when the process is gone. */
export function procStatusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Starts `weft control` on free ports with its own home; resolves with the API and distributor URLs. */
async function startControl(ctx: ControlBenchContext, home: string, name: string, ports: readonly [number, number] = [0, 0]): Promise<{ proc: Started; apiUrl: string; streamUrl: string }> {
  const out = join(home, '..', `${name}.stdout`);
  const log = join(home, '..', `${name}.log`);
  const args = [weftCliPath(), 'control', '--listen', `127.0.0.1:${ports[0]}`, '--distributor-listen', `127.0.0.1:${ports[1]}`, '--home', home];
  const proc = ctx.registry.start(`weft control (${name})`, process.execPath, args, log, out);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
    const a = /listening on (http:\/\/\S+?) /.exec(text);
    const d = /proxies subscribe on (https:\/\/\S+)/.exec(text);
    if (a?.[1] !== undefined && d?.[1] !== undefined) return { proc, apiUrl: a[1], streamUrl: d[1] };
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`weft control exited before listening; see ${log}`);
    if (Date.now() > deadline) throw new Error(`weft control did not print its addresses within 30 s; see ${out}`);
    await sleep(50);
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Waits until the process uses (almost) no CPU: at most 1 tick per 200 ms, bounded by `maxMs`. */
async function waitIdle(pid: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = cpuTicks(pid);
  while (Date.now() < deadline) {
    await sleep(200);
    const t = cpuTicks(pid);
    if (t - last <= 1) return;
    last = t;
  }
}

function sumTraffic(reports: readonly Extract<SimToRunner, { ev: 'satisfied' }>[]): RoundTraffic {
  const t = { snapshotMessages: 0, snapshotBytes: 0, patchMessages: 0, patchBytes: 0, otherMessages: 0, otherBytes: 0, nacks: 0, reconnects: 0 };
  for (const r of reports) {
    t.reconnects += r.traffic.reconnects;
    t.snapshotMessages += r.traffic.snapshot.messages;
    t.snapshotBytes += r.traffic.snapshot.bytes;
    t.patchMessages += r.traffic.patch.messages;
    t.patchBytes += r.traffic.patch.bytes;
    t.otherMessages += r.traffic.other.messages;
    t.otherBytes += r.traffic.other.bytes;
    t.nacks += r.nacks;
  }
  return t;
}

const isSatisfied = (id: number) => (e: SimToRunner): e is Extract<SimToRunner, { ev: 'satisfied' }> => e.ev === 'satisfied' && e.id === id;
const isExpecting = (id: number) => (e: SimToRunner): e is Extract<SimToRunner, { ev: 'expecting' }> => e.ev === 'expecting' && e.id === id;

/** Does this build's configuration model accept Workload.spec.reachableServices? */
function scopingSupported(scale: ControlScale): string | undefined {
  const v = createResourceValidator();
  const doc = scopedWorkloads(scale, workloadName, scopedExtraNamespaces)[0];
  const r = v.validate(doc);
  if (!r.ok) return `this build does not accept Workload.spec.reachableServices (${r.error.map((p) => `${p.path}: ${p.message}`).join('; ').slice(0, 200)})`;
  if (r.value.warnings.some((w) => w.path.includes('reachableServices'))) return 'this build warns about Workload.spec.reachableServices';
  return undefined;
}

interface ScenarioInput {
  readonly label: string;
  readonly scale: ControlScale;
  readonly scoped: boolean;
}

async function runScenario(o: BenchOptions, ctx: ControlBenchContext, input: ScenarioInput): Promise<ScenarioRun> {
  const { scale, scoped } = input;
  const t = totals(scale);
  const problems: string[] = [];
  const dir = join(ctx.tempDir, scoped ? 'scoped' : 'unscoped');
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const hz = clockTicksPerSecond();
  const changeTimeoutMs = o.changeTimeoutSeconds * 1000;

  ctx.progress(`[${input.label}] starting weft control`);
  let cp = await startControl(ctx, home, scoped ? 'control-scoped' : 'control');
  let pid = cp.proc.pid;
  const cpuAtStart = cpuTicks(pid);
  const admin = readFileSync(join(home, 'admin-token'), 'utf8').trim();

  // Identities: one bootstrap token and one certificate per namespace (its one service account).
  const c0 = now();
  const identities: Record<string, { certPem: string; keyPem: string }> = {};
  let caPem = '';
  const namespaces = Array.from({ length: scale.namespaces }, (_v, i) => namespaceName(i));
  let nextNs = 0;
  const issue = async (): Promise<void> => {
    while (nextNs < namespaces.length) {
      const ns = namespaces[nextNs++] as string;
      const tok = await api(cp.apiUrl, 'POST', '/api/v1/tokens', { namespace: ns, serviceAccount: serviceAccountOf(ns) }, admin);
      expectStatus(tok, 201, `token for ${ns}`);
      const token = (tok.body as { token: string }).token;
      const csr = await createWorkloadKeyAndCsr(spiffeIdOf(ns));
      if (!csr.ok) throw new Error(`CSR for ${ns}: ${csr.error.message}`);
      const cert = await api(cp.apiUrl, 'POST', '/api/v1/certificates', { csr: csr.value.csrPem }, token);
      expectStatus(cert, 200, `certificate for ${ns}`);
      const b = cert.body as { certChainPem: string; trustBundlePem: string };
      identities[ns] = { certPem: b.certChainPem, keyPem: csr.value.keyPem };
      caPem = b.trustBundlePem;
    }
  };
  await Promise.all(Array.from({ length: 8 }, () => issue()));
  const certificatesSeconds = (now() - c0) / 1000;

  // Scoped: one Workload per namespace first (the proxies register as its instances).
  if (scoped) expectStatus(await api(cp.apiUrl, 'POST', '/api/v1/apply', { resources: scopedWorkloads(scale, workloadName, scopedExtraNamespaces) }, admin), 200, 'apply the Workloads');
  ctx.progress(`[${input.label}] ${scale.namespaces} identities issued in ${certificatesSeconds.toFixed(1)} s`);

  // The simulated proxies, in contiguous slices (whole namespaces where possible).
  const regs = registrations(scale, scoped ? workloadName : undefined);
  const k = Math.min(o.simProcesses, regs.length);
  const slices: BenchRegistration[][] = Array.from({ length: k }, (_v, i) => regs.slice(Math.floor((i * regs.length) / k), Math.floor(((i + 1) * regs.length) / k)));
  const ownerOf = new Map<string, number>();
  slices.forEach((s, i) => s.forEach((r) => ownerOf.set(`${r.namespace}/${r.name}`, i)));
  const configs: SimConfig[] = slices.map((s) => ({ url: cp.streamUrl, caPem, identities, registrations: s, connectConcurrency: 50, windowBytes }));
  const fleet: SimFleet = startSimFleet(configs, dir, 8192);
  try {
    const started = await fleet.gather((e): e is Extract<SimToRunner, { ev: 'started' }> => e.ev === 'started', 30_000);
    const simTicks = (): number => fleet.pids.reduce((s, p) => s + (p > 0 ? cpuTicks(p) : 0), 0);
    let nextId = 0;
    const perProxyEndpoints = scoped ? (scale.servicesPerNamespace + Math.min(scopedExtraNamespaces, scale.namespaces - 1)) * scale.instancesPerNamespace : t.endpoints;
    const seeing = (n: number): SnapshotCheck => ({ kind: 'endpointCount', byNamespace: Object.fromEntries(namespaces.map((ns) => [ns, n])) });
    const convergeTimeoutMs = Math.max(60_000, o.budgetSeconds * 1000);

    /** Registers `check` with every process, runs `act`, and waits until every proxy passes it (bounded). */
    const converge = async (what: string, check: SnapshotCheck, act: () => Promise<number>, connects: boolean, fresh = false): Promise<{ c: Convergence; reports: Extract<SimToRunner, { ev: 'satisfied' }>[] }> => {
      const id = nextId++;
      fleet.send({ cmd: 'expect', id, check, timeoutMs: convergeTimeoutMs, fresh });
      await fleet.gather(isExpecting(id), 120_000);
      const cpu0 = cpuTicks(pid);
      const t0 = await act();
      const streams = connects ? await fleet.gather((e): e is Extract<SimToRunner, { ev: 'streams' }> => e.ev === 'streams', convergeTimeoutMs + 10_000) : [];
      const reports = await fleet.gather(isSatisfied(id), convergeTimeoutMs + 15_000);
      const all = reports.every((r) => r.satisfied === r.affected);
      const converged = reports.reduce((s, r) => s + r.satisfied, 0);
      if (!all) problems.push(`${what}: only ${converged} of ${t.proxies} proxies got there within ${convergeTimeoutMs / 1000} s`);
      await waitIdle(pid, 10_000);
      const c: Convergence = {
        seconds: all ? (Math.max(...reports.map((r) => r.lastAckAt)) - t0) / 1000 : Number.NaN,
        streamsSeconds: connects ? (Math.max(...streams.map((s) => s.openedAt)) - t0) / 1000 : Number.NaN,
        converged,
        failures: streams.flatMap((s) => s.failures),
        controlCpuSeconds: (cpuTicks(pid) - cpu0) / hz,
        traffic: sumTraffic(reports),
      };
      ctx.progress(`[${input.label}] ${what}: ${Number.isFinite(c.seconds) ? `${c.seconds.toFixed(2)} s to the last ACK` : `${converged}/${t.proxies} in time`}${connects ? ` (streams open after ${c.streamsSeconds.toFixed(1)} s)` : ''}; control ${c.controlCpuSeconds.toFixed(1)} s CPU, RSS ${procStatusMb(pid, 'VmRSS').toFixed(0)} MB`);
      return { c, reports };
    };

    // Cold connect: no Services yet, so every snapshot is small and registrations change nobody else's.
    ctx.progress(`[${input.label}] connecting ${started.reduce((s, e) => s + e.proxies, 0)} simulated proxies from ${k} processes`);
    const connect = (await converge('connect', seeing(0), () => {
      fleet.send({ cmd: 'connect' });
      return Promise.resolve(now());
    }, true)).c;

    // Every Service in one apply: every proxy gets the whole mesh.
    const docs = services(scale);
    let applyMs = Number.NaN;
    const bulk = await converge(`apply ${docs.length} Services`, seeing(perProxyEndpoints), async () => {
      const a0 = now();
      expectStatus(await api(cp.apiUrl, 'POST', '/api/v1/apply', { resources: docs }, admin), 200, 'apply the Services');
      const a1 = now();
      applyMs = a1 - a0;
      return a1;
    }, false);
    const fullBytes = bulk.reports.flatMap((r) => r.fullSnapshotBytes);
    const bulkApply: ScenarioRun['bulkApply'] = {
      ...bulk.c,
      resources: docs.length,
      applyMs,
      fullSnapshotBytes: { median: median(fullBytes), min: Math.min(...fullBytes), max: Math.max(...fullBytes) },
    };
    const rssAfterConnectMb = procStatusMb(pid, 'VmRSS');
    ctx.progress(`[${input.label}] full snapshot ${(bulkApply.fullSnapshotBytes.median / 1024).toFixed(0)} KiB per proxy`);

    let boxBusy = 0;
    let boxOwn = 0;
    let boxWall = 0;
    const measure = async (kind: ChangeKind, round: number, warmup: boolean, check: SnapshotCheck, perform: () => Promise<{ start: number; applyMs: number; change: string }>): Promise<ChangeRound> => {
      const id = nextId++;
      fleet.send({ cmd: 'expect', id, check, timeoutMs: changeTimeoutMs });
      await fleet.gather(isExpecting(id), 120_000);
      const cpu0 = cpuTicks(pid);
      const sim0 = simTicks();
      const me0 = cpuTicks(process.pid);
      const box0 = machineCpu();
      const w0 = now();
      const { start, applyMs, change } = await perform();
      const reports = await fleet.gather(isSatisfied(id), changeTimeoutMs + 15_000);
      await waitIdle(pid, 5_000);
      const cpu1 = cpuTicks(pid);
      const sim1 = simTicks();
      const box1 = machineCpu();
      boxBusy += box1.busyTicks - box0.busyTicks;
      boxOwn += cpu1 - cpu0 + (sim1 - sim0) + (cpuTicks(process.pid) - me0);
      boxWall += (now() - w0) / 1000;
      const affected = reports.reduce((s, r) => s + r.affected, 0);
      const satisfied = reports.reduce((s, r) => s + r.satisfied, 0);
      const lasts = reports.filter((r) => r.affected > 0).map((r) => r.lastAckAt);
      const errors = [...new Set(reports.flatMap((r) => r.errors))];
      const latencyMs = affected > 0 && satisfied === affected ? Math.max(...lasts) - start : Number.NaN;
      const perProxy = reports.flatMap((r) => r.ackTimes.map((a) => a - start));
      const round_: ChangeRound = {
        round,
        warmup,
        change,
        latencyMs,
        applyMs,
        affected,
        satisfied,
        medianProxyMs: median(perProxy),
        controlCpuSeconds: (cpu1 - cpu0) / hz,
        simCpuSeconds: (sim1 - sim0) / hz,
        traffic: sumTraffic(reports),
        errors,
      };
      ctx.progress(`[${input.label}] ${kind} ${warmup ? 'warm-up' : `#${round}`}: ${change}: ${Number.isFinite(latencyMs) ? `${latencyMs.toFixed(0)} ms to the last of ${affected} ACKs` : `only ${satisfied}/${affected} within ${o.changeTimeoutSeconds} s`}; control ${round_.controlCpuSeconds.toFixed(2)} s CPU; ${(round_.traffic.snapshotBytes / 2 ** 20).toFixed(1)} MiB snapshots + ${(round_.traffic.patchBytes / 2 ** 20).toFixed(2)} MiB patches${errors.length > 0 ? `; errors: ${errors.join('; ')}` : ''}`);
      return round_;
    };

    const warmupChanges = o.warmupChanges;
    const runKind = async (kind: ChangeKind, one: (round: number, warmup: boolean) => Promise<ChangeRound>): Promise<ChangeRound[]> => {
      const rounds: ChangeRound[] = [];
      const budgetEnd = Date.now() + o.budgetSeconds * 1000;
      for (let r = 0; r < warmupChanges + o.changes; r++) {
        if (Date.now() > budgetEnd) {
          problems.push(`${kind}: the ${o.budgetSeconds} s budget ran out after ${rounds.filter((x) => !x.warmup).length} measured changes`);
          break;
        }
        const warmup = r < warmupChanges;
        const res = await one(warmup ? r + 1 : r - warmupChanges + 1, warmup);
        rounds.push(res);
        if (!Number.isFinite(res.latencyMs)) {
          problems.push(`${kind}: a change did not reach every affected proxy within ${o.changeTimeoutSeconds} s; stopped this kind`);
          break;
        }
      }
      return rounds;
    };

    // (a) Policy: a mesh-wide AuthorizationPolicy, applied through the API as `weft apply` does.
    let policyRound = 0;
    const policy = await runKind('policy', (round, warmup) => {
      const n = ++policyRound;
      return measure('policy', round, warmup, { kind: 'policy', namespace: rootNamespace, name: benchPolicyName, marker: policyMarker(n) }, async () => {
        const r0 = now();
        const answer = await api(cp.apiUrl, 'POST', '/api/v1/apply', { resources: [meshWidePolicy(n)] }, admin);
        const r1 = now();
        expectStatus(answer, 200, 'apply the policy');
        return { start: r1, applyMs: r1 - r0, change: `${rootNamespace}/${benchPolicyName} (${n === 1 ? 'created' : 'updated'})` };
      });
    });

    // (b) Endpoint: one instance turns not ready (next change: ready again), sent on its own stream.
    let endpointRound = 0;
    const endpoint = await runKind('endpoint', (round, warmup) => {
      const n = endpointRound++;
      const reg = regs[(Math.floor(n / 2) * 7919) % regs.length] as BenchRegistration;
      const key = `${reg.namespace}/${reg.name}`;
      const ready = n % 2 === 1;
      const owner = ownerOf.get(key) ?? 0;
      return measure('endpoint', round, warmup, { kind: 'endpoint', namespace: reg.namespace, service: serviceName(0), address: reg.addresses[0] as string, present: ready }, async () => {
        fleet.send({ cmd: 'ready', key, ready }, owner);
        const [sent] = await fleet.gather((e): e is Extract<SimToRunner, { ev: 'readySent' }> => e.ev === 'readySent' && e.key === key, 120_000, owner);
        return { start: (sent as Extract<SimToRunner, { ev: 'readySent' }>).at, applyMs: Number.NaN, change: `${key} ${ready ? 'ready' : 'not ready'}` };
      });
    });

    const simPeakRssMb = fleet.pids.map((p) => procStatusMb(p, 'VmHWM'));
    const control: ScenarioRun['control'] = {
      rssAfterConnectMb,
      rssEndMb: procStatusMb(pid, 'VmRSS'),
      peakRssMb: procStatusMb(pid, 'VmHWM'),
      cpuSeconds: (cpuTicks(pid) - cpuAtStart) / hz,
    };

    // Last: restart the control plane on the same home and ports. Every proxy loses its stream and
    // reconnects by itself with backoff and jitter, as real proxies do; the registry starts empty.
    let restart: ScenarioRun['restart'];
    if (o.restart) {
      const r0 = now();
      await ctx.registry.stop(cp.proc, 5000);
      const again = await converge('restart and resync', seeing(perProxyEndpoints), async () => {
        const next = await startControl(ctx, home, scoped ? 'control-scoped-restarted' : 'control-restarted', [portOf(cp.apiUrl), portOf(cp.streamUrl)]);
        cp = next;
        pid = next.proc.pid;
        return r0;
      }, false, true);
      restart = { ...again.c, peakRssMb: procStatusMb(pid, 'VmHWM') };
    }

    const run: ScenarioRun = {
      label: input.label,
      scoped,
      unavailable: undefined,
      scale,
      totals: t,
      simProcesses: k,
      patchSupport: [...policy, ...endpoint].some((r) => r.traffic.patchMessages > 0 && r.traffic.nacks === 0),
      setup: { certificatesSeconds },
      connect,
      bulkApply,
      restart,
      policy,
      endpoint,
      control,
      simPeakRssMb,
      otherVcpu: boxWall > 0 ? Math.max(0, boxBusy - boxOwn) / hz / boxWall : Number.NaN,
      problems,
    };
    return run;
  } finally {
    await fleet.stop();
    await ctx.registry.stop(cp.proc, 5000);
  }
}

function gitRevision(): string {
  try {
    const branch = execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { encoding: 'utf8', timeout: 5000 }).trim();
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', timeout: 5000 }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', timeout: 5000 }).trim() !== '';
    return `${branch} @ ${commit}${dirty ? ' (uncommitted changes)' : ''}`;
  } catch {
    return 'unknown';
  }
}

export async function runControlBench(o: BenchOptions, ctx: ControlBenchContext): Promise<ControlBenchRun> {
  const t0 = Date.now();
  const startedAt = new Date().toISOString();
  const loadStart = loadavg()[0] ?? Number.NaN;
  const scale = o.quick ? quickScale : fullScale;
  const scenarios: ScenarioRun[] = [];
  scenarios.push(await runScenario(o, ctx, { label: 'unscoped: every proxy gets every Service', scale, scoped: false }));
  if (o.scoped) {
    const why = scopingSupported(scale);
    const label = `scoped: reachableServices = own namespace + ${scopedExtraNamespaces} Services elsewhere`;
    if (why !== undefined) {
      ctx.progress(`[scoped] skipped: ${why}`);
      scenarios.push({ ...emptyScenario(label, scale), unavailable: why });
    } else {
      scenarios.push(await runScenario(o, ctx, { label, scale, scoped: true }));
    }
  }
  return {
    startedAt,
    loadAverage: { start: loadStart, end: loadavg()[0] ?? Number.NaN },
    durationSeconds: (Date.now() - t0) / 1000,
    command: ctx.command,
    revision: gitRevision(),
    machine: machineInfo(),
    settings: {
      quick: o.quick,
      changes: o.changes,
      warmupChanges: o.warmupChanges,
      changeTimeoutSeconds: o.changeTimeoutSeconds,
      budgetSeconds: o.budgetSeconds,
      simProcesses: o.simProcesses,
      windowBytes,
    },
    scenarios,
    notes: [],
  };
}

function emptyScenario(label: string, scale: ControlScale): ScenarioRun {
  const none = { snapshotMessages: 0, snapshotBytes: 0, patchMessages: 0, patchBytes: 0, otherMessages: 0, otherBytes: 0, nacks: 0, reconnects: 0 };
  const nothing: Convergence = { seconds: Number.NaN, streamsSeconds: Number.NaN, converged: 0, failures: [], controlCpuSeconds: Number.NaN, traffic: none };
  return {
    label,
    scoped: true,
    unavailable: undefined,
    scale,
    totals: totals(scale),
    simProcesses: 0,
    patchSupport: false,
    setup: { certificatesSeconds: Number.NaN },
    connect: nothing,
    bulkApply: { ...nothing, resources: 0, applyMs: Number.NaN, fullSnapshotBytes: { median: Number.NaN, min: Number.NaN, max: Number.NaN } },
    restart: undefined,
    policy: [],
    endpoint: [],
    control: { rssAfterConnectMb: Number.NaN, rssEndMb: Number.NaN, peakRssMb: Number.NaN, cpuSeconds: Number.NaN },
    simPeakRssMb: [],
    otherVcpu: Number.NaN,
    problems: [],
  };
}
