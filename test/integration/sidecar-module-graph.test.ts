// The sidecar (`weft proxy`) loads only what the data plane needs: not the manifest validator (Ajv,
// TypeBox), not the YAML parser, not the control plane. Each of those costs ~7-11 MB of RSS per
// sidecar, and the target is under 50 MB at 1,000 rps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

test('control mode (`weft proxy --control-url`) loads the identity and stream clients, still none of the heavy packages, and no global fetch', async () => {
  const urls = await loadedModuleUrls([repoPath('dist', 'src', 'cli', 'commands.js'), repoPath('dist', 'src', 'proxy', 'main.js')]);
  for (const m of ['runtime/start-joined-proxy.js', 'control-stream/control-stream-client.js', 'control-stream/apply-snapshot-patch.js', 'identity-client/identity-client.js', 'identity-client/certificate-requester.js', 'tls/pkcs10-csr.js']) {
    assert.ok(urls.some((u) => u.endsWith(`/dist/src/proxy/${m}`)), `${m} is part of the sidecar`);
  }
  assert.deepEqual(packagesOf(urls).filter((p) => heavy.includes(p)), []);
  // The CSR is encoded by hand: the X.509 library's entry points stay out.
  assert.deepEqual(urls.filter((u) => /\/dist\/src\/proxy\/tls\/(csr|x509-lib|webcrypto-keys)\.js$/.test(u)), []);
  // The global fetch loads undici (several MB of RSS) on first use: the sidecar speaks node:http.
  // (The command list's API client uses fetch, but only other commands call it.)
  const sidecarFiles = [...new Set(urls.filter((u) => /^file:.*\/dist\/src\/(proxy|core|policy)\//.test(u)))];
  assert.ok(sidecarFiles.length > 50, `${sidecarFiles.length} sidecar files scanned`);
  const fetching = sidecarFiles.filter((u) => /(^|[^.\w])fetch\(/.test(readFileSync(fileURLToPath(u), 'utf8')));
  assert.deepEqual(fetching, []);
});
