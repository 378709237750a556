import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderControlReport, summarizeChanges } from '../../bench/control-report.js';
import type { ChangeRound, ControlBenchRun, Convergence, ScenarioRun } from '../../bench/control-results.js';
import { createResourceValidator } from '../../src/api/validate.js';
import { fullScale, meshWidePolicy, registrations, scopedWorkloads, services, totals } from '../../bench/control-scenario.js';

const traffic = { snapshotMessages: 0, snapshotBytes: 0, patchMessages: 1000, patchBytes: 1000 * 2048, otherMessages: 0, otherBytes: 0, nacks: 0, reconnects: 0 };

function change(round: number, latencyMs: number, warmup = false): ChangeRound {
  return { round, warmup, change: `c${round}`, latencyMs, applyMs: 5, affected: 1000, satisfied: Number.isFinite(latencyMs) ? 1000 : 10, medianProxyMs: latencyMs / 2, controlCpuSeconds: 0.2, simCpuSeconds: 0.5, traffic, errors: [] };
}

const conv: Convergence = { seconds: 2.5, streamsSeconds: 2, converged: 1000, failures: [], controlCpuSeconds: 3, traffic };

function scenario(policy: ChangeRound[], endpoint: ChangeRound[], extra: Partial<ScenarioRun> = {}): ScenarioRun {
  return {
    label: 'unscoped: every proxy gets every Service',
    scoped: false,
    unavailable: undefined,
    scale: fullScale,
    totals: totals(fullScale),
    simProcesses: 2,
    patchSupport: true,
    setup: { certificatesSeconds: 3 },
    connect: conv,
    bulkApply: { ...conv, resources: 1000, applyMs: 400, fullSnapshotBytes: { median: 1_300_000, min: 1_299_000, max: 1_301_000 } },
    restart: undefined,
    policy,
    endpoint,
    control: { rssAfterConnectMb: 300, rssEndMb: 320, peakRssMb: 900, cpuSeconds: 40 },
    simPeakRssMb: [800, 810],
    otherVcpu: 0.05,
    problems: [],
    ...extra,
  };
}

function run(scenarios: ScenarioRun[]): ControlBenchRun {
  return {
    startedAt: '2026-11-22T03:00:00.000Z',
    loadAverage: { start: 0.5, end: 0.7 },
    durationSeconds: 300,
    command: 'npm run bench -- control',
    revision: 'main @ abc123',
    machine: { cpuModel: 'Test CPU', cores: 2, memoryGiB: 24, kernel: 'Linux 6', node: 'v20', haproxy: '', nginx: '', wrk: '', openssl: '' },
    settings: { quick: false, changes: 30, warmupChanges: 2, changeTimeoutSeconds: 60, budgetSeconds: 240, simProcesses: 2, windowBytes: 4 << 20 },
    scenarios,
    notes: [],
  };
}

test('summarizeChanges: nearest-rank p50/p99 of the measured changes only; a timeout is slower than any', () => {
  const rounds = [change(1, 5000, true), ...[100, 300, 200, 400].map((ms, i) => change(i + 1, ms))];
  const s = summarizeChanges(rounds);
  assert.equal(s.measured, 4);
  assert.equal(s.p50Ms, 300);
  assert.equal(s.p99Ms, 400);
  assert.equal(s.patchBytesPerProxy, 2048);
  const t = summarizeChanges([change(1, 100), change(2, Number.NaN)]);
  assert.equal(t.p99Ms, Number.POSITIVE_INFINITY);
  assert.equal(t.timedOut, 1);
});

test('the control section: target verdicts, tables, raw changes, an unavailable line and its reason', () => {
  const policy = [change(1, 900, true), change(1, 400), change(2, 950)];
  const endpoint = [change(1, 2500)];
  const md = renderControlReport(run([
    scenario(policy, endpoint),
    { ...scenario([], []), label: 'scoped: reachableServices = own namespace + 5 Services elsewhere', scoped: true, unavailable: 'this build does not accept Workload.spec.reachableServices' },
  ]));
  assert.match(md, /\| policy change p99 < 1 s \| unscoped: every proxy gets every Service \| 950 ms \| pass \|/);
  assert.match(md, /\| endpoint change p99 < 2 s \| unscoped: every proxy gets every Service \| 2,500 ms \| \*\*FAIL\*\* \|/);
  assert.match(md, /\| control plane memory < 1 GB \| unscoped: every proxy gets every Service \| 900 MB peak RSS \(VmHWM\) \| pass \|/);
  assert.match(md, /- unscoped: every proxy gets every Service, policy: \[900\], 400, 950/);
  assert.match(md, /\| unscoped: every proxy gets every Service \| 1\.24 MiB \[1\.24 MiB–1\.24 MiB\] \| 300 \/ 320 \/ 900 \|/);
  assert.match(md, /restart: store and registry kept under WEFT_HOME, every proxy reconnects \(backoff \+ jitter\) \| not run/);
  assert.match(md, /scoped: reachableServices = own namespace \+ 5 Services elsewhere: not measured — this build does not accept/);
  assert.doesNotMatch(md, /NaN|null|undefined/);
});

test('the memory target counts the restarted process too', () => {
  const md = renderControlReport(run([scenario([change(1, 300)], [change(1, 100)], { restart: { ...conv, peakRssMb: 1700 } })]));
  assert.match(md, /\| control plane memory < 1 GB \| unscoped: every proxy gets every Service \| 900 MB peak RSS \(VmHWM\); 1700 MB after the restart \| \*\*FAIL\*\* \|/);
});

test('a change that timed out fails its target and says so', () => {
  const md = renderControlReport(run([scenario([change(1, 300), change(2, Number.NaN)], [change(1, 100)])]));
  assert.match(md, /\| policy change p99 < 1 s \| unscoped: every proxy gets every Service \| timeout \| \*\*FAIL\*\* \(timeout\) \|/);
});

test('the scenario: 1,000 proxies, 1,000 Services, 10,000 endpoints; valid resources; distinct addresses', () => {
  assert.deepEqual(totals(fullScale), { proxies: 1000, services: 1000, endpoints: 10000 });
  const regs = registrations(fullScale);
  assert.equal(regs.length, 1000);
  assert.equal(new Set(regs.map((r) => r.addresses[0])).size, 1000);
  assert.equal(new Set(regs.map((r) => `${r.namespace}/${r.name}`)).size, 1000);
  assert.equal(services(fullScale).length, 1000);
  const w = scopedWorkloads(fullScale, 'bench', 5);
  assert.equal(w.length, 100);
  const reachable = (w[0] as { spec: { reachableServices: string[] } }).spec.reachableServices;
  assert.equal(reachable.length, 15);
  assert.equal(new Set(reachable).size, 15);
  assert.match(JSON.stringify(meshWidePolicy(3)), /round-3/);
  const v = createResourceValidator();
  for (const doc of [services(fullScale)[0], meshWidePolicy(1)]) {
    const r = v.validate(doc);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.value.warnings, []);
  }
});
