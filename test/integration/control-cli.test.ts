// Issue 3: `weft control` as a real process, driven by the real CLI (apply, get, delete), and a
// kill -9 of the control plane that loses no applied resource.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runWeftProcess, startControl, type ControlProcess } from '../support/control-process.js';

let home: string;
let control: ControlProcess;

function weft(...args: string[]): ReturnType<typeof runWeftProcess> {
  return runWeftProcess(args, { cwd: home, env: { WEFT_HOME: home, WEFT_CONTROL: control.url } });
}

function write(name: string, text: string): string {
  const path = join(home, name);
  writeFileSync(path, text);
  return path;
}

const good = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: { app: web }
  ports: [{ name: http, port: 8080, appProtocol: http }]
---
apiVersion: weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata:
  name: web-allow
  namespace: shop
spec:
  selector: { matchLabels: { app: web } }
  rules: [{ from: [{ source: { principals: ["spiffe://cluster.local/ns/shop/sa/client"] } }] }]
`;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-control-'));
  control = await startControl(home);
});

after(async () => {
  await control.stop();
  rmSync(home, { recursive: true, force: true });
});

test('weft control creates a 0600 admin token; apply prints created, then unchanged, then configured', async () => {
  assert.equal(statSync(join(home, 'admin-token')).mode & 0o777, 0o600);
  const file = write('good.yaml', good);
  const first = await weft('apply', '-f', file);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, 'Namespace shop created\nService shop/web created\nAuthorizationPolicy shop/web-allow created\n');
  const again = await weft('apply', '-f', file);
  assert.equal(again.stdout, 'Namespace shop unchanged\nService shop/web unchanged\nAuthorizationPolicy shop/web-allow unchanged\n');
  const changed = await weft('apply', '-f', write('changed.yaml', good.replace('port: 8080', 'port: 9090')));
  assert.equal(changed.stdout, 'Namespace shop unchanged\nService shop/web configured\nAuthorizationPolicy shop/web-allow unchanged\n');
});

test('a bad manifest is refused with the field path, exit 1, and the old state stays', async () => {
  const bad = write('bad.yaml', good.replace('port: 9090', 'port: 70000').replace('port: 8080', 'port: 70000').replace('action', 'x'));
  const refused = await weft('apply', '-f', bad);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: document 2 \\(Service shop/web\\): spec\\.ports\\[0\\]\\.port: `));
  assert.equal(refused.stdout, '');
  const get = await weft('get', 'svc', 'web', '-n', 'shop', '-o', 'json');
  assert.equal(get.code, 0, get.stderr);
  assert.equal((JSON.parse(get.stdout) as { spec: { ports: { port: number }[] } }).spec.ports[0]!.port, 9090);
});

test('get lists as a table, yaml and json; a missing resource exits 1', async () => {
  const tableOut = await weft('get', 'ap');
  assert.equal(tableOut.code, 0);
  assert.match(tableOut.stdout, /^KIND\s+NAMESPACE\s+NAME/);
  assert.match(tableOut.stdout, /AuthorizationPolicy\s+shop\s+web-allow/);
  const yaml = await weft('get', 'services', '-n', 'shop', '-o', 'yaml');
  const list = parse(yaml.stdout) as { kind: string; items: { metadata: { name: string } }[] };
  assert.equal(list.kind, 'List');
  assert.deepEqual(list.items.map((i) => i.metadata.name), ['web']);
  const missing = await weft('get', 'Service', 'nope', '-n', 'shop');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /WEFT_STORE_NOT_FOUND/);
  const unknownKind = await weft('get', 'pods');
  assert.equal(unknownKind.code, 1);
});

test('writes without the admin token are refused', async () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'weft-other-'));
  try {
    writeFileSync(join(elsewhere, 'admin-token'), 'wrong-token\n');
    const r = await runWeftProcess(['delete', 'Service', 'web', '-n', 'shop'], { cwd: elsewhere, env: { WEFT_HOME: elsewhere, WEFT_CONTROL: control.url } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /WEFT_CONTROL_UNAUTHENTICATED/);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('kill -9 of the control plane loses no applied resource; delete by name and by file', async () => {
  await control.stop('SIGKILL');
  control = await startControl(home);
  const after = await weft('get', 'AuthorizationPolicy', 'web-allow', '-n', 'shop', '-o', 'json');
  assert.equal(after.code, 0, after.stderr);
  const svc = await weft('get', 'svc', 'web', '-n', 'shop', '-o', 'json');
  assert.equal((JSON.parse(svc.stdout) as { spec: { ports: { port: number }[] } }).spec.ports[0]!.port, 9090);
  const byName = await weft('delete', 'ap', 'web-allow', '-n', 'shop');
  assert.equal(byName.code, 0, byName.stderr);
  assert.equal(byName.stdout, 'AuthorizationPolicy shop/web-allow deleted\n');
  const byFile = await weft('delete', '-f', join(home, 'good.yaml'));
  assert.equal(byFile.code, 1, 'the policy was already deleted');
  assert.equal(byFile.stdout, 'Namespace shop deleted\nService shop/web deleted\n');
  const none = await weft('get', 'svc', '-o', 'json');
  assert.deepEqual((JSON.parse(none.stdout) as { items: unknown[] }).items, []);
});

test('an unreachable control plane is reported, exit 1', async () => {
  const r = await runWeftProcess(['get', 'svc'], { cwd: home, env: { WEFT_HOME: home, WEFT_CONTROL: 'http://127.0.0.1:1' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot reach the control plane.*WEFT_CONTROL_UNAVAILABLE/);
});

test('weft check against the running control plane: up, no proxy yet', async () => {
  const r = await weft('check');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ok {4}control plane at http:\/\/127\.0\.0\.1:\d+ \(store version \d+\)\n0 proxies, 0 failing\n$/);
  const none = await weft('proxy-config', 'shop/web-0');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /WEFT_CONTROL_NOT_FOUND/);
});
