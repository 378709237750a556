import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runWeft } from '../../../test/support/cli-io.js';
import { repoPath, repoRoot } from '../../../test/support/repo-root.js';

test('weft validate -f examples/ passes with no warning, every kind covered', async () => {
  const run = await runWeft(['validate', '-f', repoPath('examples')]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^\d+ documents valid\n$/);
  // At least one of every kind ships in examples/.
  const { kinds } = await import('../../api/kinds.js');
  const text = readdirSync(repoPath('examples'), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .map((f) => readFileSync(join(repoPath('examples'), f), 'utf8'))
    .join('\n');
  for (const k of kinds) assert.match(text, new RegExp(`"?kind"?: "?${k.kind}"?\\s*[,\\n]`), `no example of ${k.kind}`);
});

test('manifests exported from a cluster (server-written fields, status) validate', async () => {
  const run = await runWeft(['validate', '-f', repoPath('test/fixtures/valid')]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
});

test('the lab scenario validates on its own', async () => {
  const run = await runWeft(['validate', '-f', repoPath('examples/lab')]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
});

test('each broken manifest fails with the field path and message expected', async () => {
  const dir = repoPath('test/fixtures/broken');
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(files.length >= 10);
  for (const file of files) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const sidecar = `${path}.expect`;
    const expected = existsSync(sidecar)
      ? readFileSync(sidecar, 'utf8').split('\n').filter((l) => l !== '')
      : [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1] ?? '');
    assert.ok(expected.length > 0, `${file} states no expectation`);
    const shown = relative(repoRoot, path);
    const run = await runWeft(['validate', '-f', shown], { cwd: repoRoot });
    assert.equal(run.code, 1, `${file} should fail:\n${run.stdout}`);
    const lines = run.stdout.split('\n').filter((l) => l !== '');
    for (const want of expected) {
      assert.ok(lines.some((l) => l.startsWith(`${shown}: ${want}`)), `${file}: no line starting\n  ${shown}: ${want}\nin\n${run.stdout}`);
    }
  }
});

test('stdin, directories (recursive, only manifest extensions), and several paths', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-validate-'));
  try {
    mkdirSync(join(dir, 'deep', 'er'), { recursive: true });
    writeFileSync(join(dir, 'deep', 'er', 'ns.yml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: x }\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest: [');
    writeFileSync(join(dir, 'list.json'), '{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"y"}}]}');
    const ok = await runWeft(['validate', '-f', dir, '-f', '-'], { stdin: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: z }\n' });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(ok.stderr, '3 documents valid\n');
    const bad = await runWeft(['validate', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: Z }\n' });
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '-: document 1 (Namespace Z): metadata.name: "Z" is not a valid name (lower-case letters, digits, "-" and ".", at most 253 characters)\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('warnings print but exit 0; --quiet hides them', async () => {
  const route = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: { name: r }\nspec: { parentRefs: [{ name: gw }], rules: [{ backendRefs: [{ name: s, port: 80 }] }] }\n';
  const run = await runWeft(['validate', '-f', '-'], { stdin: route });
  assert.equal(run.code, 0);
  assert.equal(
    run.stdout,
    [
      'warning: -: document 1 (HTTPRoute default/r): spec.parentRefs[0]: no Gateway "gw" in namespace "default" among the manifests',
      'warning: -: document 1 (HTTPRoute default/r): spec.rules[0].backendRefs[0]: no Service "s" in namespace "default" among the manifests',
      '',
    ].join('\n'),
  );
  assert.equal(run.stderr, '1 document valid (2 warnings)\n');
  const quiet = await runWeft(['validate', '-q', '-f', '-'], { stdin: route });
  assert.equal(quiet.code, 0);
  assert.equal(quiet.stdout, '');
});

test('usage mistakes exit 2; missing files and empty input exit 1 with a message', async () => {
  assert.equal((await runWeft(['validate'])).code, 2);
  const unknown = await runWeft(['validate', '--frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /frobnicate/);
  const missing = await runWeft(['validate', '-f', '/nonexistent/weft.yaml']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '/nonexistent/weft.yaml: cannot read: no such file or directory\n');
  const empty = await runWeft(['validate', '-f', '-'], { stdin: '# nothing\n' });
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /no documents found/);
});
