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
  assert.equal(r.value.outFile, '/tmp/x.md');
  assert.equal(r.value.keepTemp, true);
  const n = parseBenchArgs(['proxy', '--no-write']);
  assert.ok(n.ok);
  assert.equal(n.value.outFile, undefined);
  const c = parseBenchArgs(['control']);
  assert.ok(c.ok);
  assert.equal(c.value.benchmark, 'control');
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
