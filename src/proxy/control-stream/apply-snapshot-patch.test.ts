import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutboundService, ProxySnapshot } from '../snapshot/proxy-snapshot.js';
import { applySnapshotPatch } from './apply-snapshot-patch.js';
import { baseMismatchReason } from './stream-protocol.js';

function svc(namespace: string, name: string, port: number, endpoints = 1): OutboundService {
  return {
    name,
    namespace,
    port,
    protocol: 'http',
    hosts: [`${name}.${namespace}`],
    identities: [`spiffe://td/ns/${namespace}/sa/${name}`],
    endpoints: Array.from({ length: endpoints }, (_, i) => ({
      address: `10.0.0.${i + 1}`,
      port: 8080,
      identity: `spiffe://td/ns/${namespace}/sa/${name}`,
      ready: true,
    })),
  };
}

const base: ProxySnapshot = Object.freeze<ProxySnapshot>({
  version: 'v1',
  workload: { name: 'web-1', namespace: 'shop', serviceAccount: 'web', spiffeId: 'spiffe://td/ns/shop/sa/web', labels: { app: 'web' } },
  mesh: { trustDomain: 'td', mtlsMode: 'STRICT', defaultAction: 'ALLOW' },
  inbound: { ports: [{ port: 8080, protocol: 'http' }], policies: [], accessLog: false },
  outbound: { services: [svc('db', 'redis', 6379), svc('shop', 'api', 80), svc('shop', 'api', 443), svc('shop', 'cart', 80)], accessLog: false },
});

const keys = (s: ProxySnapshot): string[] => s.outbound.services.map((o) => `${o.namespace}/${o.name}:${o.port}`);

test('a patch on another version is refused with the base-mismatch reason', () => {
  const r = applySnapshotPatch(base, { base: 'v0', version: 'v2' });
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.error.startsWith(baseMismatchReason), JSON.stringify(r));
});

test('an empty patch only changes the version and shares every section', () => {
  const r = applySnapshotPatch(base, { base: 'v1', version: 'v2' });
  assert.ok(r.ok);
  assert.equal(r.value.version, 'v2');
  assert.equal(r.value.workload, base.workload);
  assert.equal(r.value.inbound, base.inbound);
  assert.equal(r.value.outbound, base.outbound);
  assert.ok(Object.isFrozen(r.value));
});

test('sections given are replaced, the others kept', () => {
  const inbound = { ports: [{ port: 9090, protocol: 'grpc' as const }], policies: [], accessLog: true };
  const mesh = { trustDomain: 'td', mtlsMode: 'PERMISSIVE' as const, defaultAction: 'DENY' as const };
  const r = applySnapshotPatch(base, { base: 'v1', version: 'v2', inbound, mesh, outboundAccessLog: true });
  assert.ok(r.ok);
  assert.deepEqual(r.value.inbound, inbound);
  assert.deepEqual(r.value.mesh, mesh);
  assert.equal(r.value.workload, base.workload);
  assert.equal(r.value.outbound.accessLog, true);
  assert.equal(r.value.outbound.services, base.outbound.services);
  assert.ok(Object.isFrozen(r.value.inbound.ports[0]));
});

test('upserts replace or insert by (namespace, name, port) in the compiler order; removes drop', () => {
  const changed = svc('shop', 'api', 443, 3);
  const r = applySnapshotPatch(base, {
    base: 'v1',
    version: 'v2',
    upsert: [svc('zoo', 'keeper', 1), changed, svc('a', 'first', 1), svc('shop', 'api', 90)],
    remove: [{ namespace: 'shop', name: 'cart', port: 80 }],
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(keys(r.value), ['a/first:1', 'db/redis:6379', 'shop/api:80', 'shop/api:90', 'shop/api:443', 'zoo/keeper:1']);
  assert.equal(r.value.outbound.services[4], changed);
  assert.equal(r.value.outbound.services[1], base.outbound.services[0], 'unchanged entries are shared');
  assert.ok(Object.isFrozen(r.value.outbound.services));
  assert.ok(Object.isFrozen(changed.endpoints[2]));
  assert.deepEqual(keys(base), ['db/redis:6379', 'shop/api:80', 'shop/api:443', 'shop/cart:80'], 'the base is untouched');
});

test('names compare by code unit, ports numerically', () => {
  const r = applySnapshotPatch(base, { base: 'v1', version: 'v2', upsert: [svc('shop', 'B', 80), svc('db', 'redis', 10000), svc('db', 'redis', 9)] });
  assert.ok(r.ok);
  assert.deepEqual(keys(r.value), ['db/redis:9', 'db/redis:6379', 'db/redis:10000', 'shop/B:80', 'shop/api:80', 'shop/api:443', 'shop/cart:80']);
});

test('inconsistent patches are refused', () => {
  const twice = applySnapshotPatch(base, { base: 'v1', version: 'v2', upsert: [svc('a', 'b', 1), svc('a', 'b', 1)] });
  assert.ok(!twice.ok && /twice/.test(twice.error));
  const both = applySnapshotPatch(base, { base: 'v1', version: 'v2', upsert: [svc('db', 'redis', 6379)], remove: [{ namespace: 'db', name: 'redis', port: 6379 }] });
  assert.ok(!both.ok && /both/.test(both.error));
  const absent = applySnapshotPatch(base, { base: 'v1', version: 'v2', remove: [{ namespace: 'db', name: 'redis', port: 1 }] });
  assert.ok(!absent.ok && /does not have/.test(absent.error));
});
