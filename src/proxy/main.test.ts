// Usage errors of `weft proxy`: both modes, wrong combinations, caught before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProxyMain } from './main.js';

async function run(argv: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runProxyMain({ argv, env, stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stderr };
}

test('file mode needs its four files and says control mode is the other way', async () => {
  const r = await run(['--no-capture']);
  assert.equal(r.code, 2);
  for (const f of ['--snapshot', '--cert', '--key', '--ca']) assert.match(r.stderr, new RegExp(`${f} FILE is required`));
  assert.match(r.stderr, /--control-url/);
});

test('control mode needs a token file and a registration, not the file-mode options', async () => {
  const r = await run(['--control-url', 'http://127.0.0.1:1', '--snapshot', 's.json', '--ca', 'ca.pem']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--snapshot, --ca cannot be used with --control-url/);
  assert.match(r.stderr, /--token-file FILE is required/);
  assert.match(r.stderr, /--registration FILE is required/);
  assert.doesNotMatch(r.stderr, /--cert FILE is required/);
});

test('--heap-slack-mb takes a number of MB from 0 to 1024', async () => {
  for (const bad of ['-1', 'lots', '2000']) {
    const r = await run(['--snapshot', 's', '--cert', 'c', '--key', 'k', '--ca', 'a', '--heap-slack-mb', bad]);
    assert.equal(r.code, 2, bad);
    assert.match(r.stderr, /--heap-slack-mb must be a number of MB from 0 \(off\) to 1024/, bad);
  }
});

test('control-mode options without a control plane are refused', async () => {
  const r = await run(['--token-file', 't', '--state-dir', '/tmp/x', '--snapshot', 's', '--cert', 'c', '--key', 'k', '--ca', 'a']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--token-file, --state-dir need --control-url/);
});

test('WEFT_CONTROL and the file variables select control mode; bad URL and distributor are refused', async () => {
  const r = await run(['--distributor', 'nohost'], { WEFT_CONTROL: 'ftp://x', WEFT_PROXY_TOKEN_FILE: 't', WEFT_PROXY_REGISTRATION: 'r' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--control-url must be an http:\/\/ or https:\/\/ URL/);
  assert.match(r.stderr, /--distributor takes HOST:PORT, not "nohost"/);
  assert.doesNotMatch(r.stderr, /is required/);
});

test('unreadable token and registration files fail with exit 1 and the file named', async () => {
  const r = await run(['--control-url', 'http://127.0.0.1:1', '--token-file', '/nonexistent/token', '--registration', '/nonexistent/reg.json', '--no-capture', '--admin-port', '0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /WEFT_CONFIG_IO: \/nonexistent\/token: cannot read the bootstrap token/);
  assert.match(r.stderr, /WEFT_CONFIG_IO: \/nonexistent\/reg\.json: cannot read the registration/);
});

test('a registration that names no valid identity fails at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-main-'));
  try {
    writeFileSync(join(dir, 'token'), 'abc\n');
    writeFileSync(join(dir, 'reg.json'), JSON.stringify({ namespace: 'shop', serviceAccount: 'a b', name: 'x' }));
    const r = await run(['--control-url', 'http://127.0.0.1:1', '--token-file', join(dir, 'token'), '--registration', join(dir, 'reg.json'), '--no-capture', '--admin-port', '0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /WEFT_CONFIG_INVALID: .*reg\.json: the registration names no valid identity/);
    writeFileSync(join(dir, 'reg.json'), '{"name": "x"}');
    const r2 = await run(['--control-url', 'http://127.0.0.1:1', '--token-file', join(dir, 'token'), '--registration', join(dir, 'reg.json'), '--no-capture', '--admin-port', '0']);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /the registration needs a namespace/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
