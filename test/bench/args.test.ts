import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultOptions, parseBenchArgs, quickOverrides } from '../../bench/args.js';

test('proxy with no flags gets the defaults', () => {
  const r = parseBenchArgs(['proxy']);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { ...defaultOptions, benchmark: 'proxy' });
});

test('--quick gives a short run; explicit flags still win, before or after it', () => {
  const q = parseBenchArgs(['proxy', '--quick']);
  assert.ok(q.ok);
  assert.equal(q.value.rounds, quickOverrides.rounds);
  assert.equal(q.value.wrkSeconds, quickOverrides.wrkSeconds);
  assert.equal(q.value.quick, true);
  const r = parseBenchArgs(['--rounds', '2', 'proxy', '--quick', '--seconds=7']);
  assert.ok(r.ok);
  assert.equal(r.value.rounds, 2);
  assert.equal(r.value.wrkSeconds, 7);
  assert.equal(r.value.fixedSeconds, 7);
});

test('--only, --out, --no-write, --keep-temp and the control benchmark', () => {
  const r = parseBenchArgs(['proxy', '--only', 'w,a', '--out', '/tmp/x.md', '--keep-temp']);
  assert.ok(r.ok);
  assert.deepEqual(r.value.configs, ['A', 'W']);
  const v = parseBenchArgs(['proxy', '--only', 'v,b']);
  assert.ok(v.ok);
  assert.deepEqual(v.value.configs, ['B', 'V'], 'V: Weft without weft-mux');
  assert.equal(r.value.outFile, '/tmp/x.md');
  assert.equal(r.value.keepTemp, true);
  const n = parseBenchArgs(['proxy', '--no-write']);
  assert.ok(n.ok);
  assert.equal(n.value.outFile, undefined);
  const c = parseBenchArgs(['control']);
  assert.ok(c.ok);
  assert.equal(c.value.benchmark, 'control');
  assert.equal(c.value.changes, 30);
  assert.equal(c.value.scoped, true);
  assert.equal(c.value.restart, true);
});

test('control flags: --changes, --sim-processes, --change-timeout, --budget, --no-scoped, --no-restart; --quick shortens', () => {
  const c = parseBenchArgs(['control', '--changes', '7', '--sim-processes', '3', '--change-timeout', '9', '--budget', '100', '--no-scoped', '--no-restart']);
  assert.ok(c.ok);
  assert.equal(c.value.changes, 7);
  assert.equal(c.value.simProcesses, 3);
  assert.equal(c.value.changeTimeoutSeconds, 9);
  assert.equal(c.value.budgetSeconds, 100);
  assert.equal(c.value.scoped, false);
  assert.equal(c.value.restart, false);
  const q = parseBenchArgs(['control', '--quick']);
  assert.ok(q.ok);
  assert.equal(q.value.changes, 5);
  assert.equal(q.value.budgetSeconds, 60);
  const q2 = parseBenchArgs(['control', '--changes', '2', '--quick']);
  assert.ok(q2.ok);
  assert.equal(q2.value.changes, 2, 'an explicit flag wins over --quick wherever it is');
  const bad = parseBenchArgs(['control', '--sim-processes', '0']);
  assert.ok(!bad.ok);
});

test('every problem is reported at once', () => {
  const r = parseBenchArgs(['mesh', '--rounds', '0', '--rate', 'fast', '--only', 'X', '--bogus', '--wrk-seconds']);
  assert.ok(!r.ok);
  for (const part of ['unknown benchmark "mesh"', '--rounds must be an integer', '--rate must be a number', '--only takes', 'unknown argument "--bogus"', '--wrk-seconds needs a value']) {
    assert.ok(r.error.includes(part), `${part} in: ${r.error}`);
  }
  const none = parseBenchArgs([]);
  assert.ok(!none.ok);
  assert.match(none.error, /name a benchmark/);
  const help = parseBenchArgs(['--help']);
  assert.ok(help.ok && help.value.help);
});

test('--weft-node-options takes node options verbatim, and only those', () => {
  const r = parseBenchArgs(['proxy', '--weft-node-options', '--max-semi-space-size=2 --max-old-space-size=64']);
  assert.ok(r.ok);
  assert.deepEqual(r.value.weftNodeOptions, ['--max-semi-space-size=2', '--max-old-space-size=64']);
  const inline = parseBenchArgs(['proxy', '--weft-node-options=--jitless']);
  assert.ok(inline.ok);
  assert.deepEqual(inline.value.weftNodeOptions, ['--jitless']);
  const bad = parseBenchArgs(['proxy', '--weft-node-options', 'rm -rf']);
  assert.ok(!bad.ok);
  assert.match(bad.error, /takes node options/);
});
