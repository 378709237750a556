import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../api/resource.js';
import { createResourceValidator } from '../../api/validate.js';
import { createSeededRandom, type Random } from '../../core/random.js';
import type { RegisteredInstance } from '../registry/registry.js';
import { parseWorkloadRegistration } from '../registry/workload-instance.js';
import { parseProxySnapshot } from '../../proxy/snapshot/parse-proxy-snapshot.js';
import { compileProxySnapshots, createSnapshotCompiler } from './compile-proxy-snapshots.js';
import { createWorldSnapshot } from './world-snapshot.js';
import { allowPolicy, namespaceResource, service } from '../../../test/support/resource-fixtures.js';

const validator = createResourceValidator();

function resource(raw: Record<string, unknown>): Resource {
  const r = validator.validate(raw);
  if (!r.ok) assert.fail(JSON.stringify(r.error));
  return r.value.resource;
}

function instance(raw: Record<string, unknown>): RegisteredInstance {
  const r = parseWorkloadRegistration(raw);
  if (!r.ok) assert.fail(JSON.stringify(r.error));
  return r.value;
}

const client = 'spiffe://cluster.local/ns/shop/sa/client';

function fixtureResources(): Resource[] {
  return [
    resource(namespaceResource('shop')),
    resource({ ...service('web', 'shop', { app: 'web' }, 80), spec: { selector: { app: 'web' }, clusterIP: '198.19.0.10', ports: [{ name: 'http', port: 80, targetPort: 'http', appProtocol: 'http' }] } }),
    resource({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'data' }, spec: { selector: { app: 'db' }, ports: [{ name: 'tcp-pg', port: 5432 }] } }),
    resource(allowPolicy('web-allow', 'shop', { app: 'web' }, [client])),
    resource({ apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 'ns-wide', namespace: 'shop' }, spec: { action: 'AUDIT', rules: [{}] } }),
    resource({ apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 'by-service', namespace: 'shop' }, spec: { targetRefs: [{ group: '', kind: 'Service', name: 'web' }], action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] } }),
    // Same labels, another namespace: must not reach shop's proxies.
    resource(allowPolicy('leak', 'other', { app: 'web' }, ['spiffe://cluster.local/ns/other/sa/x'])),
    resource({ apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 'by-other-service', namespace: 'other' }, spec: { targetRefs: [{ group: '', kind: 'Service', name: 'web' }], rules: [{}] } }),
    resource(allowPolicy('mesh-wide', 'weft-system', { app: 'web' }, ['*'])),
  ];
}

function fixtureInstances(): RegisteredInstance[] {
  return [
    instance({ namespace: 'shop', name: 'web-0', workload: 'web', serviceAccount: 'web', labels: { app: 'web' }, zone: 'zone-a', addresses: ['198.18.0.10'], ports: [{ port: 8080, name: 'http' }] }),
    instance({ namespace: 'shop', name: 'web-1', serviceAccount: 'web', labels: { app: 'web' }, zone: 'zone-b', addresses: ['198.18.0.11'], ports: [{ port: 8080, name: 'http' }], ready: false }),
    instance({ namespace: 'shop', name: 'client-0', serviceAccount: 'client', labels: { app: 'client' }, addresses: ['198.18.0.20'], ports: [] }),
    instance({ namespace: 'data', name: 'db-0', serviceAccount: 'db', labels: { app: 'db' }, addresses: ['198.18.0.30'], ports: [{ port: 5432, dialPort: 16432 }] }),
  ];
}

function compile(resources = fixtureResources(), instances = fixtureInstances()): ReturnType<typeof compileProxySnapshots> {
  return compileProxySnapshots(createWorldSnapshot(resources, instances));
}

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('one snapshot per registered instance, with its identity and mesh defaults', () => {
  const snapshots = compile();
  assert.deepEqual([...snapshots.keys()], ['data/db-0', 'shop/client-0', 'shop/web-0', 'shop/web-1']);
  const web = snapshots.get('shop/web-0')!;
  assert.deepEqual(web.workload, { name: 'web-0', namespace: 'shop', serviceAccount: 'web', spiffeId: 'spiffe://cluster.local/ns/shop/sa/web', labels: { app: 'web' }, zone: 'zone-a' });
  assert.deepEqual(web.mesh, { trustDomain: 'cluster.local', mtlsMode: 'STRICT', defaultAction: 'ALLOW' });
  assert.match(web.version, /^[0-9a-f]{16}$/);
  assert.ok(Object.isFrozen(web) && Object.isFrozen(web.outbound.services));
});

test('inbound: ports from the instance and selecting Services; the policies that select it, and only those', () => {
  const snapshots = compile();
  const web = snapshots.get('shop/web-0')!;
  assert.deepEqual(web.inbound.ports, [{ port: 8080, protocol: 'http' }]);
  assert.deepEqual(web.inbound.policies.map((p) => `${p.namespace}/${p.name}`), ['shop/by-service', 'shop/ns-wide', 'shop/web-allow', 'weft-system/mesh-wide']);
  assert.deepEqual(web.inbound.policies.find((p) => p.name === 'web-allow')?.spec.rules?.[0]?.from?.[0]?.source.principals, [client]);
  // A policy of another namespace with the same labels, or naming a same-named Service there, never leaks in.
  for (const s of snapshots.values()) assert.ok(!s.inbound.policies.some((p) => p.namespace === 'other'), `${s.workload.name} got a policy of namespace other`);
  assert.deepEqual(snapshots.get('shop/client-0')!.inbound.policies.map((p) => p.name), ['ns-wide']);
  assert.deepEqual(snapshots.get('shop/client-0')!.inbound.ports, []);
  const db = snapshots.get('data/db-0')!;
  assert.deepEqual(db.inbound.policies, []);
  assert.deepEqual(db.inbound.ports, [{ port: 5432, protocol: 'tcp', listenPort: 16432 }]);
});

test('outbound: every Service port with ready endpoints, identities, zone; short host only in the same namespace', () => {
  const snapshots = compile();
  const fromClient = snapshots.get('shop/client-0')!.outbound.services;
  assert.deepEqual(fromClient.map((s) => `${s.namespace}/${s.name}:${s.port}/${s.protocol}`), ['data/db:5432/tcp', 'shop/web:80/http']);
  const web = fromClient[1]!;
  assert.equal(web.vip, '198.19.0.10');
  assert.deepEqual(web.hosts, ['web', 'web.shop', 'web.shop.svc', 'web.shop.svc.cluster.local']);
  assert.deepEqual(web.identities, ['spiffe://cluster.local/ns/shop/sa/web']);
  // web-1 failed readiness: it drops out.
  assert.deepEqual(web.endpoints, [{ address: '198.18.0.10', port: 8080, identity: 'spiffe://cluster.local/ns/shop/sa/web', zone: 'zone-a', ready: true }]);
  const db = fromClient[0]!;
  assert.deepEqual(db.endpoints, [{ address: '198.18.0.30', port: 16432, identity: 'spiffe://cluster.local/ns/data/sa/db', ready: true }]);
  const fromDb = snapshots.get('data/db-0')!.outbound.services.find((s) => s.name === 'web')!;
  assert.deepEqual(fromDb.hosts, ['web.shop', 'web.shop.svc', 'web.shop.svc.cluster.local']);
});

test('the Mesh resource sets trust domain, mTLS mode and default action', () => {
  const mesh = resource({ apiVersion: 'weft.dev/v1alpha1', kind: 'Mesh', metadata: { name: 'default' }, spec: { trustDomain: 'example.org', mtls: { mode: 'PERMISSIVE' }, defaultAction: 'DENY' } });
  const snapshots = compile([...fixtureResources(), mesh]);
  const client0 = snapshots.get('shop/client-0')!;
  assert.deepEqual(client0.mesh, { trustDomain: 'example.org', mtlsMode: 'PERMISSIVE', defaultAction: 'DENY' });
  assert.equal(client0.workload.spiffeId, 'spiffe://example.org/ns/shop/sa/client');
  assert.deepEqual(client0.outbound.services[1]!.endpoints.map((e) => e.identity), ['spiffe://example.org/ns/shop/sa/web']);
});

test('deterministic: shuffled inputs give the same snapshots and versions', () => {
  const reference = compile();
  const random = createSeededRandom(42);
  for (let round = 0; round < 20; round++) {
    const again = compile(shuffled(fixtureResources(), random), shuffled(fixtureInstances(), random));
    assert.deepEqual([...again.keys()], [...reference.keys()]);
    for (const [key, snapshot] of reference) assert.deepEqual(again.get(key), snapshot, `round ${round}: ${key} differs`);
  }
});

test('versions change exactly for the proxies whose content changed', () => {
  const before = compile();
  const versions = (s: ReturnType<typeof compile>): Record<string, string> => Object.fromEntries([...s].map(([k, v]) => [k, v.version]));
  // A policy change that selects only web instances.
  const changedPolicy = fixtureResources().map((r) => (r.metadata.name === 'web-allow' ? resource(allowPolicy('web-allow', 'shop', { app: 'web' }, [client, 'spiffe://cluster.local/ns/shop/sa/admin'])) : r));
  const afterPolicy = versions(compile(changedPolicy));
  const was = versions(before);
  assert.notEqual(afterPolicy['shop/web-0'], was['shop/web-0']);
  assert.notEqual(afterPolicy['shop/web-1'], was['shop/web-1']);
  assert.equal(afterPolicy['shop/client-0'], was['shop/client-0']);
  assert.equal(afterPolicy['data/db-0'], was['data/db-0']);
  // An endpoint becoming ready changes every proxy that may call the Service.
  const ready = fixtureInstances().map((i) => (i.name === 'web-1' ? { ...i, ready: true } : i));
  const afterReady = compile(fixtureResources(), ready);
  assert.notEqual(afterReady.get('shop/client-0')!.version, was['shop/client-0']);
  assert.equal(afterReady.get('shop/client-0')!.outbound.services[1]!.endpoints.length, 2);
});

test('a key given twice resolves the same way whatever the order', () => {
  const a = resource(service('web', 'shop', { app: 'web' }, 80));
  const b = resource(service('web', 'shop', { app: 'web' }, 81));
  const one = compile([...fixtureResources(), a, b]);
  const other = compile([b, ...fixtureResources(), a]);
  assert.deepEqual(one, other);
});

test('every compiled snapshot is accepted by the proxy\'s own snapshot parser, unchanged', () => {
  for (const [key, snapshot] of compile()) {
    const parsed = parseProxySnapshot(JSON.stringify(snapshot), key);
    if (!parsed.ok) assert.fail(`${key}: ${JSON.stringify(parsed.error)}`);
    assert.deepEqual(parsed.value, snapshot);
  }
});

function workloadResource(name: string, namespace: string, extra: Record<string, unknown>): Resource {
  return resource({ apiVersion: 'weft.dev/v1alpha1', kind: 'Workload', metadata: { name, namespace, labels: { app: name } }, spec: { command: 'x', ...extra } });
}

test('reachableServices: the instance\'s outbound holds only the Services its Workload names, nothing else', () => {
  const extra = [
    resource(service('cache', 'data', { app: 'cache' }, 6379)),
    resource(service('search', 'shop', { app: 'search' }, 80)),
    workloadResource('web', 'shop', { reachableServices: ['search', 'db.data', 'gone'] }),
  ];
  const snapshots = compile([...fixtureResources(), ...extra]);
  // web-0 belongs to Workload "web": search (same namespace, short name) and db.data; "gone" names nothing.
  assert.deepEqual(snapshots.get('shop/web-0')!.outbound.services.map((s) => `${s.namespace}/${s.name}:${s.port}`), ['data/db:5432', 'shop/search:80']);
  assert.deepEqual(snapshots.get('shop/web-0')!.outbound.services.find((s) => s.name === 'search')?.hosts[0], 'search', 'same namespace: short host too');
  // web-1 has no Workload and client-0 neither: every Service, as before.
  assert.deepEqual(snapshots.get('shop/web-1')!.outbound.services.map((s) => `${s.namespace}/${s.name}`), ['data/cache', 'data/db', 'shop/search', 'shop/web']);
  assert.equal(snapshots.get('shop/client-0')!.outbound.services.length, 4);
  // An empty list: nothing reachable.
  const none = compile([...fixtureResources(), ...extra.slice(0, 2), workloadResource('web', 'shop', { reachableServices: [] })]);
  assert.deepEqual(none.get('shop/web-0')!.outbound.services, []);
  // A change to a Service the instance cannot reach leaves its version alone.
  const changed = compile([...fixtureResources(), extra[0]!, resource(service('search', 'shop', { app: 'search' }, 81)), extra[2]!]);
  assert.notEqual(changed.get('shop/web-0')!.version, snapshots.get('shop/web-0')!.version, 'search is reachable: changed');
  const cacheChanged = compile([...fixtureResources(), resource(service('cache', 'data', { app: 'cache' }, 6380)), ...extra.slice(1)]);
  assert.equal(cacheChanged.get('shop/web-0')!.version, snapshots.get('shop/web-0')!.version, 'cache is not reachable: unchanged');
  assert.notEqual(cacheChanged.get('shop/web-1')!.version, snapshots.get('shop/web-1')!.version);
});

test('a compiler reusing its previous compile gives exactly a fresh compile, and keeps unchanged parts identical', () => {
  const compiler = createSnapshotCompiler();
  const resources = fixtureResources();
  const instances = fixtureInstances();
  const worlds: [Resource[], RegisteredInstance[]][] = [
    [resources, instances],
    [resources, instances],
    [resources, instances.map((i) => (i.name === 'web-1' ? { ...i, ready: true } : i))],
    [resources.map((r) => (r.metadata.name === 'web-allow' ? resource(allowPolicy('web-allow', 'shop', { app: 'web' }, ['*'])) : r)), instances],
    [[...resources, resource({ apiVersion: 'weft.dev/v1alpha1', kind: 'Mesh', metadata: { name: 'default' }, spec: { trustDomain: 'example.org' } })], instances],
    [[...resources, workloadResource('web', 'shop', { reachableServices: ['db.data'] })], instances.filter((i) => i.name !== 'db-0')],
    [resources, instances],
  ];
  let previous: ReturnType<typeof compile> | undefined;
  for (const [i, [r, inst]] of worlds.entries()) {
    const world = createWorldSnapshot(r, inst);
    const incremental = compiler.compile(world);
    assert.deepEqual(incremental, compileProxySnapshots(world), `world ${i}`);
    if (i === 1 && previous !== undefined) {
      for (const [key, s] of incremental) assert.equal(s, previous.get(key), `${key}: an unchanged world gives the same snapshot objects`);
    }
    if (i === 2 && previous !== undefined) {
      // Only web's endpoints changed: db's entry, and every workload section, are the same objects.
      const client0 = incremental.get('shop/client-0')!;
      assert.equal(client0.outbound.services[0], previous.get('shop/client-0')!.outbound.services[0]);
      assert.notEqual(client0.outbound.services[1], previous.get('shop/client-0')!.outbound.services[1]);
      assert.equal(client0.inbound, previous.get('shop/client-0')!.inbound);
      assert.equal(incremental.get('data/db-0')!.workload, previous.get('data/db-0')!.workload);
      assert.notEqual(incremental.get('data/db-0')!.version, previous.get('data/db-0')!.version);
    }
    previous = incremental;
  }
});

test('compiling only some instances gives exactly their snapshots; the others still count as endpoints', () => {
  const world = createWorldSnapshot(fixtureResources(), fixtureInstances());
  const all = compileProxySnapshots(world);
  const some = createSnapshotCompiler().compile(world, new Set(['shop/client-0', 'nope/none']));
  assert.deepEqual([...some.keys()], ['shop/client-0']);
  assert.deepEqual(some.get('shop/client-0'), all.get('shop/client-0'));
  assert.equal(some.get('shop/client-0')!.outbound.services.find((s) => s.name === 'web')!.endpoints.length, 1, 'web-0 is an endpoint though not compiled');
});
