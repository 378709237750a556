// Runs the control-plane scale benchmark end to end in its quick mode (100 Services, 1,000 endpoints,
// 100 simulated proxies over real mTLS streams to a real `weft control` process) and checks the
// shape of what it writes: the BENCHMARKS.md section and the raw record. Not the timings: this test
// exists so that the harness cannot rot while the control plane changes under it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ControlBenchRun } from '../../bench/control-results.js';

const benchMain = fileURLToPath(new URL('../../bench/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-control-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the bench in `dir` (its report and raw record land there), killed by PID after `timeoutMs`. */
function runBench(args: readonly string[], timeoutMs: number): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [benchMain, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      // SIGTERM first: the bench stops what it started (by PID) on SIGTERM.
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('npm run bench -- control --quick measures 100 proxies and writes its section and record', { timeout: 100_000 }, async () => {
  const r = await runBench(['control', '--quick', '--no-scoped', '--changes', '2', '--budget', '30', '--change-timeout', '20'], 90_000);
  assert.equal(r.code, 0, `the bench failed:\n${r.stderr.slice(-3000)}`);

  const record = JSON.parse(readFileSync(join(dir, 'bench', 'results', 'control-latest.json'), 'utf8'), (_k, v: unknown) => (v === null ? Number.NaN : v)) as ControlBenchRun;
  assert.equal(record.settings.quick, true);
  assert.equal(record.scenarios.length, 1);
  const s = record.scenarios[0]!;
  assert.deepEqual(s.totals, { proxies: 100, services: 100, endpoints: 1000 });
  assert.equal(s.connect.converged, 100, 'every simulated proxy saw the whole mesh');
  assert.ok(s.connect.seconds > 0 && Number.isFinite(s.connect.seconds));
  assert.equal(s.bulkApply.converged, 100, 'every simulated proxy saw every Service');
  assert.ok(s.bulkApply.fullSnapshotBytes.median > 10_000, 'a full snapshot with 1,000 endpoints is tens of KiB');
  assert.equal(s.restart?.converged, 100, 'after the restart every simulated proxy resynced');
  for (const kind of ['policy', 'endpoint'] as const) {
    const measured = s[kind].filter((c) => !c.warmup);
    assert.equal(measured.length, 2, `${kind}: two measured changes`);
    for (const c of measured) {
      assert.ok(Number.isFinite(c.latencyMs) && c.latencyMs > 0, `${kind}: ${c.change} reached every affected proxy`);
      assert.equal(c.satisfied, c.affected);
      // Unscoped, unscoped: every proxy gets every Service: both kinds of change reach all 100.
      assert.equal(c.affected, 100);
      assert.ok(c.traffic.snapshotBytes + c.traffic.patchBytes > 0, `${kind}: the proxies received the change`);
      assert.equal(c.traffic.nacks, 0);
    }
  }
  assert.ok(s.control.peakRssMb > 20 && s.control.peakRssMb < 2048, `peak RSS ${s.control.peakRssMb} MB is a plausible reading of VmHWM`);
  assert.ok(s.control.cpuSeconds > 0);

  const md = readFileSync(join(dir, 'BENCHMARKS.md'), 'utf8');
  const section = md.slice(md.indexOf('<!-- bench:control:start -->'), md.indexOf('<!-- bench:control:end -->'));
  assert.ok(section.length > 0, 'the control section is between its markers');
  for (const heading of ['## Control plane scale', '### Targets', '### Apply → last ACK', '### Connect, bulk apply, restart', '### Snapshot sizes and control plane resources', '### Caveats']) {
    assert.ok(section.includes(heading), `the section has "${heading}"`);
  }
  assert.match(section, /\| policy change p99 < 1 s \| unscoped: every proxy gets every Service \| [\d,]+ ms \| (pass|\*\*FAIL\*\*) \|/);
  assert.match(section, /\| endpoint change p99 < 2 s \|/);
  assert.match(section, /quick smoke run/);
  assert.equal(r.stdout.trim(), section.replace('<!-- bench:control:start -->', '').trim(), 'stdout carries the same section');
});
