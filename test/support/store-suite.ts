// The one contract suite for ResourceStore implementations (CONVENTIONS §10): every store runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceStore, WatchEvent } from '../../src/control/store/resource-store.js';
import { firstPortOf, invalidService, namespaceResource, selectorOf, service } from './resource-fixtures.js';

export interface StoreUnderTest {
  readonly store: ResourceStore;
  /** Closes the store and removes what it left. */
  cleanup(): Promise<void>;
}

function withStore(open: () => Promise<StoreUnderTest>, body: (store: ResourceStore) => Promise<void>): () => Promise<void> {
  return async () => {
    const s = await open();
    try {
      await body(s.store);
    } finally {
      await s.cleanup();
    }
  };
}

function must<T, E>(r: { ok: true; value: T } | { ok: false; error: E }): T {
  if (!r.ok) assert.fail(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

/** Runs the ResourceStore contract against stores made by `open` (a fresh, empty store each time). */
export function runResourceStoreSuite(name: string, open: () => Promise<StoreUnderTest>): void {
  test(`${name}: create, get, versions grow`, withStore(open, async (store) => {
    assert.equal(store.version(), 0);
    const a = must(await store.create(service('a')));
    assert.equal(a.outcome, 'created');
    assert.equal(a.resource.metadata.resourceVersion, '1');
    assert.equal(a.resource.metadata.namespace, 'default');
    assert.ok(Object.isFrozen(a.resource));
    const b = must(await store.create(service('b', 'other')));
    assert.equal(b.resource.metadata.resourceVersion, '2');
    const got = must(await store.get({ kind: 'Service', namespace: 'other', name: 'b' }));
    assert.equal(got.metadata.name, 'b');
    assert.equal(store.version(), 2);
    const again = await store.create(service('a'));
    assert.equal(again.ok ? 'ok' : again.error.code, 'WEFT_STORE_CONFLICT');
  }));

  test(`${name}: an invalid write is refused with field paths and changes nothing`, withStore(open, async (store) => {
    must(await store.apply(service('a')));
    const bad = await store.apply(invalidService('a'));
    assert.equal(bad.ok, false);
    if (bad.ok) return;
    assert.equal(bad.error.code, 'WEFT_CONFIG_INVALID');
    assert.ok(bad.error.problems?.some((p) => p.path === 'spec.ports[0].port' && p.severity === 'error'), JSON.stringify(bad.error.problems));
    const still = must(await store.get({ kind: 'Service', namespace: 'default', name: 'a' }));
    assert.equal(firstPortOf(still), 8080);
    assert.equal(store.version(), 1);
    const unknown = await store.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } });
    assert.equal(unknown.ok ? 'ok' : unknown.error.problems?.[0]?.path, 'kind');
  }));

  test(`${name}: apply says created, unchanged, configured; unchanged takes no version`, withStore(open, async (store) => {
    assert.equal(must(await store.apply(service('a'))).outcome, 'created');
    assert.equal(must(await store.apply(service('a'))).outcome, 'unchanged');
    assert.equal(store.version(), 1);
    const changed = must(await store.apply(service('a', 'default', { app: 'a2' })));
    assert.equal(changed.outcome, 'configured');
    assert.equal(changed.resource.metadata.resourceVersion, '2');
    assert.equal(changed.resource.metadata.generation, 2);
  }));

  test(`${name}: optimistic concurrency on update, apply and delete`, withStore(open, async (store) => {
    const first = must(await store.create(service('a')));
    const rv = first.resource.metadata.resourceVersion;
    const withRv = (doc: Record<string, unknown>, v: string | undefined): Record<string, unknown> => ({ ...doc, metadata: { ...(doc['metadata'] as object), resourceVersion: v } });
    must(await store.update(withRv(service('a', 'default', { app: 'v2' }), rv)));
    const stale = await store.update(withRv(service('a', 'default', { app: 'v3' }), rv));
    assert.equal(stale.ok ? 'ok' : stale.error.code, 'WEFT_STORE_CONFLICT');
    const staleApply = await store.apply(withRv(service('a', 'default', { app: 'v3' }), rv));
    assert.equal(staleApply.ok ? 'ok' : staleApply.error.code, 'WEFT_STORE_CONFLICT');
    assert.equal(selectorOf(must(await store.get({ kind: 'Service', namespace: 'default', name: 'a' })))?.['app'], 'v2');
    const missing = await store.update(service('nope'));
    assert.equal(missing.ok ? 'ok' : missing.error.code, 'WEFT_STORE_NOT_FOUND');
    const staleDelete = await store.delete({ kind: 'Service', namespace: 'default', name: 'a' }, rv);
    assert.equal(staleDelete.ok ? 'ok' : staleDelete.error.code, 'WEFT_STORE_CONFLICT');
  }));

  test(`${name}: delete, and list by kind and namespace in order`, withStore(open, async (store) => {
    for (const doc of [service('b', 'x'), service('a', 'x'), service('c', 'y'), namespaceResource('x')]) must(await store.apply(doc));
    const xs = must(await store.list({ kind: 'Service', namespace: 'x' }));
    assert.deepEqual(xs.items.map((r) => r.metadata.name), ['a', 'b']);
    assert.equal(xs.version, 4);
    assert.equal(must(await store.list()).items.length, 4);
    assert.deepEqual(must(await store.list({ kind: 'Namespace' })).items.map((r) => r.metadata.name), ['x']);
    const deleted = must(await store.delete({ kind: 'Service', namespace: 'x', name: 'a' }));
    assert.equal(deleted.metadata.name, 'a');
    assert.equal(store.version(), 5);
    const gone = await store.get({ kind: 'Service', namespace: 'x', name: 'a' });
    assert.equal(gone.ok ? 'ok' : gone.error.code, 'WEFT_STORE_NOT_FOUND');
    const twice = await store.delete({ kind: 'Service', namespace: 'x', name: 'a' });
    assert.equal(twice.ok ? 'ok' : twice.error.code, 'WEFT_STORE_NOT_FOUND');
  }));

  test(`${name}: watch replays changes after a version, then live ones, in order`, withStore(open, async (store) => {
    must(await store.apply(service('a')));
    must(await store.apply(service('b')));
    const seen: WatchEvent[] = [];
    const watch = must(await store.watch(1, (e) => seen.push(e)));
    assert.deepEqual(seen.map((e) => [e.type, e.version, e.resource.metadata.name]), [['ADDED', 2, 'b']]);
    must(await store.apply(service('a', 'default', { app: 'z' })));
    must(await store.delete({ kind: 'Service', namespace: 'default', name: 'b' }));
    assert.deepEqual(seen.map((e) => [e.type, e.version, e.resource.metadata.name]), [['ADDED', 2, 'b'], ['MODIFIED', 3, 'a'], ['DELETED', 4, 'b']]);
    watch.cancel();
    must(await store.apply(service('c')));
    assert.equal(seen.length, 3);
    const fromNow: WatchEvent[] = [];
    must(await store.watch(store.version(), (e) => fromNow.push(e)));
    assert.equal(fromNow.length, 0);
  }));
}
