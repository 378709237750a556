// Pure: renders a control benchmark run as the `control` section of BENCHMARKS.md.
import type { ChangeRound, ControlBenchRun, Convergence, ScenarioRun } from './control-results.js';
import { fmt, fmtInt, renderTable } from './markdown.js';
import { median, percentileSorted } from './stats.js';

/** Targets of issue 3's acceptance point. */
export const controlTargets = { policyP99Ms: 1000, endpointP99Ms: 2000, memoryMb: 1024 } as const;

export interface ChangeSummary {
  readonly measured: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly medianProxyMs: number;
  readonly controlCpuSeconds: number;
  readonly simCpuSeconds: number;
  readonly affected: number;
  /** Per affected proxy, per change (median over changes). */
  readonly snapshotBytesPerProxy: number;
  readonly patchBytesPerProxy: number;
  readonly timedOut: number;
}

/** p50/p99 (nearest rank) of the measured (non-warm-up) changes; a timed-out change counts as infinitely slow. */
export function summarizeChanges(rounds: readonly ChangeRound[]): ChangeSummary {
  const measured = rounds.filter((r) => !r.warmup);
  const lat = measured.map((r) => (Number.isFinite(r.latencyMs) ? r.latencyMs : Number.POSITIVE_INFINITY)).sort((a, b) => a - b);
  const per = (f: (r: ChangeRound) => number): number => median(measured.map(f));
  return {
    measured: measured.length,
    p50Ms: percentileSorted(lat, 50),
    p99Ms: percentileSorted(lat, 99),
    maxMs: lat.length > 0 ? (lat[lat.length - 1] as number) : Number.NaN,
    medianProxyMs: per((r) => r.medianProxyMs),
    controlCpuSeconds: per((r) => r.controlCpuSeconds),
    simCpuSeconds: per((r) => r.simCpuSeconds),
    affected: per((r) => r.affected),
    snapshotBytesPerProxy: per((r) => (r.affected > 0 ? r.traffic.snapshotBytes / r.affected : Number.NaN)),
    patchBytesPerProxy: per((r) => (r.affected > 0 ? r.traffic.patchBytes / r.affected : Number.NaN)),
    timedOut: measured.filter((r) => !Number.isFinite(r.latencyMs)).length,
  };
}

const ms = (v: number): string => (v === Number.POSITIVE_INFINITY ? 'timeout' : fmtInt(v));
const msUnit = (v: number): string => (v === Number.POSITIVE_INFINITY ? 'timeout' : `${fmtInt(v)} ms`);
const kib = (bytes: number): string => (Number.isFinite(bytes) ? (bytes >= 2 ** 30 ? `${fmt(bytes / 2 ** 30, 2)} GiB` : bytes >= 1024 * 1024 ? `${fmt(bytes / 2 ** 20, 2)} MiB` : bytes >= 1024 ? `${fmt(bytes / 1024, 1)} KiB` : `${fmtInt(bytes)} B`) : '–');

function verdict(value: number, limit: number): string {
  if (!Number.isFinite(value)) return value === Number.POSITIVE_INFINITY ? '**FAIL** (timeout)' : '–';
  return value < limit ? 'pass' : '**FAIL**';
}

function scenarioTitle(s: ScenarioRun): string {
  return s.label;
}

/** The whole `control` section. */
export function renderControlReport(run: ControlBenchRun): string {
  const m = run.machine;
  const ran = run.scenarios.filter((s) => s.unavailable === undefined);
  const first = run.scenarios[0];
  const lines: string[] = [];
  lines.push(
    '## Control plane scale (`npm run bench -- control`)',
    '',
    `Measured ${run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} on ${m.cpuModel}, ${m.cores} cores, ${fmt(m.memoryGiB, 1)} GiB, ${m.kernel}, Node ${m.node}; ` +
      `revision ${run.revision}; load average ${fmt(run.loadAverage.start, 2)} at the start, ${fmt(run.loadAverage.end, 2)} at the end; took ${fmt(run.durationSeconds / 60, 1)} min. ` +
      `Command: \`${run.command}\`${run.settings.quick ? ' (**quick smoke run: not figures to quote**)' : ''}. Replaced on every run; edit the harness, not this section.`,
    '',
  );
  if (first !== undefined) {
    const sc = first.scale;
    lines.push(
      `**Scale:** ${fmtInt(first.totals.services)} Services, ${fmtInt(first.totals.endpoints)} endpoints, ${fmtInt(first.totals.proxies)} simulated proxies ` +
        `(${sc.namespaces} namespaces × ${sc.instancesPerNamespace} instances, one service account per namespace; ${sc.servicesPerNamespace} Services per namespace, each selecting the ${sc.instancesPerNamespace} instances of its namespace). ` +
        `\`weft control\` runs as its own process with its own WEFT_HOME; the proxies' certificates come from its CA (bootstrap token + CSR per namespace), the Services go in with one \`POST /api/v1/apply\`, ` +
        `and each simulated proxy holds its own HTTP/2 session over mTLS with one subscription stream (${first.simProcesses} processes, separate from the control plane). ` +
        `A simulated proxy parses every line it receives, applies patches with \`applySnapshotPatch\` when the build has it (${first.patchSupport ? 'it does: patches were applied' : 'this build sent no patches, or has no applySnapshotPatch'}), ACKs the resulting version, and counts bytes per message kind.`,
      '',
      `**Changes**, one at a time, ${run.settings.warmupChanges} warm-up + up to ${run.settings.changes} measured per kind (budget ${run.settings.budgetSeconds} s per kind, ${run.settings.changeTimeoutSeconds} s per change): ` +
        `*policy* — an AuthorizationPolicy in the root namespace (\`weft-system\`, no selector: it applies to every proxy) is created, then updated, through \`POST /api/v1/apply\` as \`weft apply\` sends it; timed from the API's answer. ` +
        `*endpoint* — one instance turns not ready (then ready again) with a \`ready\` message on its own stream; timed from the send. ` +
        `Both end at the moment the **last affected proxy sends its ACK** of a version that contains the change (\`process.hrtime\`, the same monotonic clock in every process). ` +
        `p99 is nearest-rank: with fewer than 100 changes it is the slowest one.`,
      '',
    );
  }

  // Targets.
  const targetRows: string[][] = [];
  for (const s of ran) {
    const p = summarizeChanges(s.policy);
    const e = summarizeChanges(s.endpoint);
    targetRows.push([`policy change p99 < 1 s`, scenarioTitle(s), msUnit(p.p99Ms), verdict(p.p99Ms, controlTargets.policyP99Ms)]);
    targetRows.push([`endpoint change p99 < 2 s`, scenarioTitle(s), msUnit(e.p99Ms), verdict(e.p99Ms, controlTargets.endpointP99Ms)]);
    // Both processes count: the first one (connect, bulk apply, changes) and the restarted one (the resync storm).
    const restartPeak = s.restart?.peakRssMb ?? Number.NaN;
    const peak = Math.max(s.control.peakRssMb, Number.isFinite(restartPeak) ? restartPeak : 0);
    targetRows.push([
      `control plane memory < 1 GB`,
      scenarioTitle(s),
      `${fmt(s.control.peakRssMb, 0)} MB peak RSS (VmHWM)${Number.isFinite(restartPeak) ? `; ${fmt(restartPeak, 0)} MB after the restart` : ''}`,
      verdict(peak, controlTargets.memoryMb),
    ]);
  }
  lines.push('### Targets', '', renderTable(['Target', 'Line', 'Measured', 'Verdict'], targetRows), '');

  // Change latency.
  const rows: string[][] = [];
  for (const s of ran) {
    for (const [kind, rounds] of [['policy', s.policy], ['endpoint', s.endpoint]] as const) {
      const c = summarizeChanges(rounds);
      rows.push([
        scenarioTitle(s),
        kind,
        String(c.measured),
        fmtInt(c.affected),
        ms(c.p50Ms),
        ms(c.p99Ms),
        ms(c.medianProxyMs),
        fmt(c.controlCpuSeconds, 2),
        fmt(c.simCpuSeconds, 2),
        kib(c.snapshotBytesPerProxy),
        kib(c.patchBytesPerProxy),
      ]);
    }
  }
  lines.push(
    '### Apply → last ACK',
    '',
    renderTable(['Line', 'Change', 'Changes', 'Proxies affected', 'p50 ms', 'p99 ms', 'median proxy ms', 'control CPU s / change', 'sim proxies CPU s / change', 'full snapshots / affected proxy', 'patches / affected proxy'], rows),
    '',
    '(CPU per change: from just before the change until the control plane is idle again. "median proxy": the median over affected proxies of their own apply→ACK time. ' +
      'Bytes: what the affected proxies received for the change, per proxy, as full-snapshot lines and patch lines.)',
    '',
  );

  // Connect, bulk apply, restart.
  const phaseRows: string[][] = [];
  for (const s of ran) {
    const row = (phase: string, c: Convergence | undefined, extra: string): string[] =>
      c === undefined
        ? [scenarioTitle(s), phase, 'not run', '', '', '', extra]
        : [
            scenarioTitle(s),
            phase,
            Number.isFinite(c.seconds) ? `${fmt(c.seconds, 2)} s` : `**not all in time** (${fmtInt(c.converged)}/${fmtInt(s.totals.proxies)})`,
            Number.isFinite(c.streamsSeconds) ? `${fmt(c.streamsSeconds, 1)} s` : '',
            fmt(c.controlCpuSeconds, 1),
            kib(c.traffic.snapshotBytes + c.traffic.patchBytes + c.traffic.otherBytes),
            extra,
          ];
    const lost = (c: Convergence | undefined): string => (c !== undefined && c.traffic.reconnects > 0 ? `; ${fmtInt(c.traffic.reconnects)} subscriptions lost and reopened meanwhile` : '');
    phaseRows.push(row('cold connect (no Services yet)', s.connect, `${s.connect.failures.length > 0 ? `${s.connect.failures.length} streams failed to open at first` : ''}${lost(s.connect)}`));
    phaseRows.push(row(`apply ${fmtInt(s.bulkApply.resources)} Services at once`, s.bulkApply, `the apply request took ${fmtInt(s.bulkApply.applyMs)} ms; timed from its answer${lost(s.bulkApply)}`));
    phaseRows.push(row('restart: store and registry kept under WEFT_HOME, every proxy reconnects (backoff + jitter)', s.restart, s.restart !== undefined ? `timed from the SIGTERM; peak RSS of the restarted process ${fmt(s.restart.peakRssMb, 0)} MB${lost(s.restart)}` : ''));
  }
  lines.push(
    '### Connect, bulk apply, restart',
    '',
    renderTable(['Line', 'Phase', 'to the last proxy\'s ACK (of the whole mesh)', 'all streams open', 'control CPU s', 'received by all proxies', ''], phaseRows),
    '',
  );
  const crow: string[][] = ran.map((s) => [
    scenarioTitle(s),
    `${kib(s.bulkApply.fullSnapshotBytes.median)} [${kib(s.bulkApply.fullSnapshotBytes.min)}–${kib(s.bulkApply.fullSnapshotBytes.max)}]`,
    `${fmt(s.control.rssAfterConnectMb, 0)} / ${fmt(s.control.rssEndMb, 0)} / ${fmt(s.control.peakRssMb, 0)}`,
    fmt(s.control.cpuSeconds, 1),
    s.simPeakRssMb.map((v) => fmt(v, 0)).join(' + '),
  ]);
  lines.push(
    '### Snapshot sizes and control plane resources',
    '',
    renderTable(['Line', 'full snapshot per proxy, median [min–max]', 'control RSS MB: after the bulk apply / after the changes / peak (VmHWM)', 'control CPU s before the restart', 'sim proxies peak RSS MB'], crow),
    '',
  );
  const setup = ran.map((s) => `${scenarioTitle(s)}: ${s.scale.namespaces} certificates issued in ${fmt(s.setup.certificatesSeconds, 1)} s`);
  lines.push(`Setup: ${setup.join('; ')}.`, '');

  // Raw latencies.
  lines.push('Per change (ms to the last ACK, in order; warm-up in brackets):', '');
  for (const s of ran) {
    for (const [kind, rounds] of [['policy', s.policy], ['endpoint', s.endpoint]] as const) {
      const text = rounds.map((r) => (r.warmup ? `[${ms(Number.isFinite(r.latencyMs) ? r.latencyMs : Number.POSITIVE_INFINITY)}]` : ms(Number.isFinite(r.latencyMs) ? r.latencyMs : Number.POSITIVE_INFINITY))).join(', ');
      lines.push(`- ${scenarioTitle(s)}, ${kind}: ${text || 'none'}`);
    }
  }
  lines.push('');

  // Caveats and problems.
  const caveats: string[] = [
    `Everything runs on one ${m.cores}-core machine: the control plane, ${first?.simProcesses ?? 0} processes of simulated proxies (which parse every message on the same cores: see their CPU per change), and the harness. ` +
      `A change's latency includes the simulated proxies' queueing for CPU, which real proxies (each on its own core share) would not have. ` +
      `Busy CPU of the box that was neither the control plane nor the simulated proxies during the changes: ${ran.map((s) => `${fmt(s.otherVcpu, 2)} vCPU (${scenarioTitle(s)})`).join(', ') || '–'}${ran.some((s) => s.otherVcpu > 0.3) ? ' — **other work disturbed this run**' : ''}.`,
    `The simulated proxies use ${run.settings.windowBytes > 0 ? `${fmtInt(run.settings.windowBytes)}-byte` : "Node's default (64 KiB)"} HTTP/2 windows, as \`weft proxy\`'s control-stream client does, and reconnect a lost subscription with backoff; they parse and patch but do not validate snapshots or reconfigure listeners (a real proxy does both), so a real proxy's own ACK comes a little later.`,
  ];
  for (const s of run.scenarios) {
    if (s.unavailable !== undefined) caveats.push(`${scenarioTitle(s)}: not measured — ${s.unavailable}.`);
    for (const p of s.problems) caveats.push(`${scenarioTitle(s)}: ${p}.`);
    if (s.connect.failures.length > 0) caveats.push(`${scenarioTitle(s)}: ${s.connect.failures.length} streams failed to open, e.g. ${s.connect.failures[0] ?? ''}.`);
    const errors = [...new Set([...s.policy, ...s.endpoint].flatMap((r) => r.errors))];
    if (errors.length > 0) caveats.push(`${scenarioTitle(s)}: errors seen by simulated proxies: ${errors.slice(0, 3).join('; ')}.`);
  }
  for (const n of run.notes) caveats.push(n);
  lines.push('### Caveats', '', ...caveats.map((c) => `- ${c}`), '');
  return lines.join('\n');
}
