import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../bench/main.js', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { timeout: 20000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const record = {
  startedAt: '2026-11-22T01:00:00.000Z',
  loadAverage: { start: 0.1, end: 0.2 },
  durationSeconds: 60,
  command: 'npm run bench -- proxy --quick',
  machine: { cpuModel: 'Test CPU', cores: 2, memoryGiB: 24, kernel: 'Linux 6', node: 'v20', haproxy: 'HAProxy 2.6', nginx: 'nginx/1.22', wrk: 'wrk 4.1', openssl: 'OpenSSL 3' },
  settings: { rounds: 1, wrkSeconds: 5, fixedSeconds: 5, warmupSeconds: 1, rate: 1000, connections: 16, quick: true },
  configs: [
    {
      id: 'A',
      label: 'A direct (no proxy)',
      hopRoles: ['upstream'],
      checks: ['200'],
      rounds: [
        {
          round: 1,
          wrk: { requestsPerSecond: 50000, requests: 250000, p50Ms: 0.2, p99Ms: 1, socketErrors: 0, non2xx: 0 },
          fixed: { targetRps: 1000, connections: 16, seconds: 5, measured: 5000, achievedRps: 1000, errors: 0, non2xx: 0, meanMs: 0.2, p50Ms: 0.2, p90Ms: 0.3, p99Ms: 0.6, p999Ms: 1, maxMs: 2, coP50Ms: 0.2, coP90Ms: 0.3, coP99Ms: 0.7 },
          problems: [],
          hops: [{ role: 'upstream', idleRssMb: 12, wrkVcpu: 0.5, wrkPeakRssMb: 12.5, fixedVcpu: 0.03, fixedPeakRssMb: null }],
          boxBusyVcpuAtRate: 0.3,
          otherVcpuAtRate: 0.01,
        },
      ],
      finalIdleRssMb: [{ role: 'upstream', mb: 12.3 }],
    },
    { id: 'W', label: 'W Weft 2-hop mTLS', unavailable: 'weft proxy is not built yet', hopRoles: [], checks: [], rounds: [], finalIdleRssMb: [] },
  ],
  notes: [],
};

test('--render re-renders a saved record into the markdown section, without measuring', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-render-'));
  try {
    const file = join(dir, 'proxy-latest.json');
    const out = join(dir, 'BENCHMARKS.md');
    writeFileSync(file, JSON.stringify(record));
    writeFileSync(out, '# Hand-written title\n');
    const r = await run(['proxy', '--render', file, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\| A direct \(no proxy\) \| 50,000 \[50,000–50,000\] \|/);
    assert.match(r.stdout, /\| W Weft 2-hop mTLS \| not available: weft proxy is not built yet \|/);
    // null (saved NaN) renders as "no data", never as "null" or "NaN".
    assert.doesNotMatch(r.stdout, /null|NaN/);
    const doc = readFileSync(out, 'utf8');
    assert.ok(doc.startsWith('# Hand-written title\n'));
    assert.match(doc, /<!-- bench:proxy:start -->\n## Proxy data path/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad arguments and bad records fail clearly', async () => {
  const bad = await run(['proxy', '--rounds', 'x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--rounds must be an integer/);
  const control = await run(['control', '--changes', '0']);
  assert.equal(control.code, 2);
  assert.match(control.stderr, /--changes must be an integer in 1\.\.500/);
  const dir = mkdtempSync(join(tmpdir(), 'weft-render-'));
  try {
    const file = join(dir, 'x.json');
    writeFileSync(file, '{"hello": 1}');
    const r = await run(['proxy', '--render', file, '--no-write']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a proxy benchmark record/);
    const c = await run(['control', '--render', file, '--no-write']);
    assert.equal(c.code, 1);
    assert.match(c.stderr, /not a control benchmark record/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
