import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { runWeft } from '../../../test/support/cli-io.js';
import { allCommands } from '../commands.js';
import { demoUnavailableExitCode } from './demo.js';

test('weft --help lists every command with its summary', async () => {
  const run = await runWeft(['--help']);
  assert.equal(run.code, 0);
  for (const c of allCommands()) {
    assert.ok(c.summary.length > 10, c.name);
    assert.match(run.stdout, new RegExp(`^  ${c.name} +${c.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
  }
});

test('weft <command> --help describes the command and every option', async () => {
  for (const c of allCommands()) {
    for (const argv of [[c.name, '--help'], [c.name, '-h'], ['help', c.name]]) {
      const run = await runWeft(argv);
      assert.equal(run.code, 0, argv.join(' '));
      assert.ok(run.stdout.startsWith(`Usage: weft ${c.name}`), run.stdout);
      assert.ok(run.stdout.includes(c.description), c.name);
      for (const o of c.options) {
        assert.ok(o.description.length > 5, `${c.name} --${o.name}`);
        assert.ok(run.stdout.includes(`--${o.name}`) && run.stdout.includes(o.description), `${c.name} --help misses --${o.name}`);
        if (o.short !== undefined) assert.ok(run.stdout.includes(`-${o.short}, --${o.name}`));
      }
    }
  }
});

test('weft demo is honest: prints the plan, says the runtime is missing, exits 3', async () => {
  const run = await runWeft(['demo']);
  assert.equal(run.code, demoUnavailableExitCode);
  assert.equal(demoUnavailableExitCode, 3);
  assert.match(run.stdout, /examples\/lab/);
  assert.match(run.stderr, /runtime .* is not built/);
  assert.equal((await runWeft(['demo', 'extra'])).code, 2);
});

test('weft install crds prints one CRD per Weft kind as YAML; anything else is a usage error', async () => {
  const run = await runWeft(['install', 'crds']);
  assert.equal(run.code, 0);
  const docs = parseAllDocuments(run.stdout);
  assert.ok(Array.isArray(docs));
  const objects = docs.map((d) => d.toJS() as { apiVersion: string; kind: string; spec: { names: { kind: string } } });
  assert.deepEqual(objects.map((o) => o.spec.names.kind), ['Mesh', 'Workload', 'AuthorizationPolicy', 'TrafficPolicy', 'RateLimitPolicy', 'FaultInjection', 'Canary']);
  assert.ok(objects.every((o) => o.apiVersion === 'apiextensions.k8s.io/v1' && o.kind === 'CustomResourceDefinition'));
  assert.equal((await runWeft(['install'])).code, 2);
  assert.equal((await runWeft(['install', 'everything'])).code, 2);
});
