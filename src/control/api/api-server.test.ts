import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createResourceValidator } from '../../api/validate.js';
import { createManualClock } from '../../core/clock.js';
import { createMemoryStore } from '../store/create-memory-store.js';
import { createApiServer } from './api-server.js';
import { ensureAdminToken, isAuthorized } from './admin-token.js';
import { invalidService, namespaceResource, service } from '../../../test/support/resource-fixtures.js';

const validator = createResourceValidator();

async function withServer(body: (base: string, token: string) => Promise<void>): Promise<void> {
  const store = createMemoryStore({ validator, clock: createManualClock() });
  const api = createApiServer({ store, validator, adminToken: 'secret-token' });
  const address = await api.listen('127.0.0.1', 0);
  try {
    await body(`http://127.0.0.1:${address.port}/api/v1`, 'secret-token');
  } finally {
    await api.close();
    await store.close();
  }
}

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; problems?: { index: number; path: string; severity: string }[] } };
}

async function call(method: string, url: string, token?: string, body?: unknown): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

test('apply needs the token; reports created, unchanged, configured', () => withServer(async (base, token) => {
  const denied = await call('POST', `${base}/apply`, undefined, { resources: [service('a')] });
  assert.equal(denied.status, 401);
  assert.equal(denied.body.error?.code, 'WEFT_CONTROL_UNAUTHENTICATED');
  const wrong = await call('POST', `${base}/apply`, 'not-the-token', { resources: [service('a')] });
  assert.equal(wrong.status, 401);
  const first = await call('POST', `${base}/apply`, token, { resources: [service('a'), namespaceResource('x')] });
  assert.equal(first.status, 200);
  assert.deepEqual((first.body['results'] as { kind: string; namespace?: string; name: string; outcome: string }[]).map((r) => [r.kind, r.namespace, r.name, r.outcome]), [
    ['Service', 'default', 'a', 'created'],
    ['Namespace', undefined, 'x', 'created'],
  ]);
  const again = await call('POST', `${base}/apply`, token, { resources: [service('a'), service('b')] });
  assert.deepEqual((again.body['results'] as { outcome: string }[]).map((r) => r.outcome), ['unchanged', 'created']);
  const changed = await call('POST', `${base}/apply`, token, { resources: [service('a', 'default', { app: 'new' })] });
  assert.deepEqual((changed.body['results'] as { outcome: string }[]).map((r) => r.outcome), ['configured']);
}));

test('an invalid document refuses the whole apply with field paths (400); nothing changes', () => withServer(async (base, token) => {
  await call('POST', `${base}/apply`, token, { resources: [service('a')] });
  const bad = await call('POST', `${base}/apply`, token, { resources: [service('b'), invalidService('a')] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error?.code, 'WEFT_CONFIG_INVALID');
  assert.ok(bad.body.error?.problems?.some((p) => p.index === 1 && p.path === 'spec.ports[0].port' && p.severity === 'error'));
  const list = await call('GET', `${base}/resources/services`);
  assert.deepEqual((list.body['items'] as { metadata: { name: string } }[]).map((r) => r.metadata.name), ['a']);
  const notJson = await fetch(`${base}/apply`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{nope' });
  assert.equal(notJson.status, 400);
}));

test('get, list by namespace, delete with a stale version (409), 404s', () => withServer(async (base, token) => {
  await call('POST', `${base}/apply`, token, { resources: [service('a', 'x'), service('b', 'y')] });
  const got = await call('GET', `${base}/resources/svc/a?namespace=x`);
  assert.equal(got.status, 200);
  assert.equal((got.body['metadata'] as { resourceVersion: string }).resourceVersion, '1');
  assert.equal((await call('GET', `${base}/resources/Service/a`)).status, 404);
  assert.equal((await call('GET', `${base}/resources/pods`)).status, 400);
  assert.equal((await call('GET', `${base}/nothing`)).status, 404);
  const inY = await call('GET', `${base}/resources/Service?namespace=y`);
  assert.deepEqual((inY.body['items'] as { metadata: { name: string } }[]).map((r) => r.metadata.name), ['b']);
  assert.equal((await call('DELETE', `${base}/resources/Service/a?namespace=x`)).status, 401);
  const stale = await call('DELETE', `${base}/resources/Service/a?namespace=x&resourceVersion=7`, token);
  assert.equal(stale.status, 409);
  assert.equal(stale.body.error?.code, 'WEFT_STORE_CONFLICT');
  const deleted = await call('DELETE', `${base}/resources/Service/a?namespace=x`, token);
  assert.equal(deleted.status, 200);
  assert.equal((await call('DELETE', `${base}/resources/Service/a?namespace=x`, token)).status, 404);
}));

test('watch streams past and live changes as server-sent events', () => withServer(async (base, token) => {
  await call('POST', `${base}/apply`, token, { resources: [service('a')] });
  const controller = new AbortController();
  const res = await fetch(`${base}/watch?after=0&kind=Service`, { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  const until = async (needle: string): Promise<void> => {
    while (!text.includes(needle)) {
      const { value, done } = await reader.read();
      if (done) assert.fail(`stream ended before "${needle}"; got ${text}`);
      text += Buffer.from(value).toString('utf8');
    }
  };
  await until('id: 1\nevent: ADDED');
  await call('POST', `${base}/apply`, token, { resources: [namespaceResource('ignored'), service('a', 'default', { app: 'b' })] });
  await until('id: 3\nevent: MODIFIED');
  assert.ok(!text.includes('id: 2'), 'a Namespace event went through a Service watch');
  controller.abort();
  const bad = await call('GET', `${base}/watch?after=-1`);
  assert.equal(bad.status, 400);
}));

test('the admin token is created once, 0600, and checked exactly', () => {
  const home = mkdtempSync(join(tmpdir(), 'weft-home-'));
  try {
    const token = ensureAdminToken(home);
    assert.ok(token.length >= 40);
    assert.equal(statSync(join(home, 'admin-token')).mode & 0o777, 0o600);
    assert.equal(ensureAdminToken(home), token);
    assert.ok(isAuthorized(`Bearer ${token}`, token));
    assert.ok(!isAuthorized(`Bearer ${token}x`, token));
    assert.ok(!isAuthorized(token, token));
    assert.ok(!isAuthorized(undefined, token));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a reconnecting watch resumes after its Last-Event-ID; a forgotten version answers 410', async () => {
  const store = createMemoryStore({ validator, clock: createManualClock(), historyLimit: 2 });
  const api = createApiServer({ store, validator, adminToken: 't' });
  const { port } = await api.listen('127.0.0.1', 0);
  try {
    for (const name of ['a', 'b', 'c']) await store.apply(service(name));
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/watch?after=0`, { headers: { 'last-event-id': '2' }, signal: controller.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('id: 3\n')) text += Buffer.from((await reader.read()).value).toString('utf8');
    assert.ok(!text.includes('id: 2\n') && !text.includes('id: 1\n'), text);
    controller.abort();
    const gone = await fetch(`http://127.0.0.1:${port}/api/v1/watch?after=0`);
    assert.equal(gone.status, 410);
    assert.equal(((await gone.json()) as { error: { code: string } }).error.code, 'WEFT_STORE_VERSION_EXPIRED');
  } finally {
    await api.close();
    await store.close();
  }
});
