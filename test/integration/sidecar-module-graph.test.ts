// The sidecar (`weft proxy`) loads only what the data plane needs: not the manifest validator (Ajv,
// TypeBox), not the YAML parser, not the control plane. Each of those costs ~7-11 MB of RSS per
// sidecar, and the target is under 50 MB at 1,000 rps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadedModuleUrls, packagesOf } from '../support/loaded-module-urls.js';
import { repoPath } from '../support/repo-root.js';

const heavy = ['ajv', 'yaml', '@sinclair/typebox', '@peculiar/x509', 'reflect-metadata'];

test('the recorder sees a package when one is loaded (the check below can fail)', async () => {
  const urls = await loadedModuleUrls([repoPath('dist', 'src', 'api', 'validate.js')]);
  const packages = packagesOf(urls);
  assert.ok(packages.includes('ajv'), packages.join());
  assert.ok(packages.includes('@sinclair/typebox'), packages.join());
});

test('the command list loads none of the heavy packages and not the control plane', async () => {
  const urls = await loadedModuleUrls([repoPath('dist', 'src', 'cli', 'commands.js'), repoPath('dist', 'src', 'cli', 'run-cli.js')]);
  assert.ok(urls.some((u) => u.endsWith('/dist/src/cli/commands/proxy.js')), 'the proxy command was loaded');
  assert.deepEqual(packagesOf(urls).filter((p) => heavy.includes(p)), []);
  assert.deepEqual(urls.filter((u) => u.includes('/dist/src/control/') || u.includes('/dist/src/proxy/')), []);
});

test('the proxy program (what `weft proxy` runs) loads none of the heavy packages', async () => {
  const urls = await loadedModuleUrls([repoPath('dist', 'src', 'cli', 'commands.js'), repoPath('dist', 'src', 'proxy', 'main.js')]);
  assert.ok(urls.some((u) => u.endsWith('/dist/src/proxy/snapshot/parse-proxy-snapshot.js')), 'the snapshot parser was loaded');
  assert.deepEqual(packagesOf(urls).filter((p) => heavy.includes(p)), []);
  // Of src/api only small helpers may load (the CLI's problem formatter), not the schemas.
  const schemas = urls.filter((u) => u.includes('/dist/src/control/') || /\/dist\/src\/api\/(schema-kit|validate|crd|kinds\/)/.test(u));
  assert.deepEqual(schemas, []);
});
