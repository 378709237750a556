// The sidecar loads `node:http2` only when it first carries HTTP/2 or gRPC, or joins a control plane
// (src/proxy/http2/lazy-http2.ts): an HTTP/1.1- and TCP-only proxy is ~0.3 MB smaller idle. A value
// import of node:http2 anywhere in the sidecar's module graph would undo that (a type-only import
// written `import { type X }` counts: with verbatimModuleSyntax it stays as `import {} from`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadedModuleUrls } from '../support/loaded-module-urls.js';
import { repoPath } from '../support/repo-root.js';

test('the recorder sees node:http2 when a module imports it (the check below can fail)', async () => {
  const urls = await loadedModuleUrls([repoPath('dist', 'src', 'control', 'distributor', 'distributor-server.js')]);
  assert.ok(urls.includes('node:http2'), urls.filter((u) => u.startsWith('node:')).join());
});

test('the proxy program (both modes) does not import node:http2 at start', async () => {
  const urls = await loadedModuleUrls([repoPath('dist', 'src', 'cli', 'commands.js'), repoPath('dist', 'src', 'proxy', 'main.js')]);
  assert.ok(urls.some((u) => u.endsWith('/dist/src/proxy/http2/h2-front.js')), 'the HTTP/2 front is part of the sidecar');
  assert.ok(urls.some((u) => u.endsWith('/dist/src/proxy/control-stream/control-stream-client.js')), 'the control-stream client is part of the sidecar');
  assert.deepEqual(urls.filter((u) => u === 'node:http2' || u === 'http2'), []);
});
