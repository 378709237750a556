import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applySnapshotPatch, compareOutboundKeys } from '../../proxy/control-stream/apply-snapshot-patch.js';
import type { SnapshotPatch } from '../../proxy/control-stream/stream-protocol.js';
import type { Endpoint, OutboundService, ProxySnapshot } from '../../proxy/snapshot/proxy-snapshot.js';
import { diffSnapshots, patchIsWorthIt } from './diff-snapshots.js';

const endpointArb: fc.Arbitrary<Endpoint> = fc.record({
  address: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3'),
  port: fc.constantFrom(8080, 9090),
  identity: fc.constantFrom('spiffe://td/ns/a/sa/x', 'spiffe://td/ns/b/sa/y'),
  ready: fc.boolean(),
});

const serviceArb: fc.Arbitrary<OutboundService> = fc.record({
  name: fc.constantFrom('api', 'cart', 'db', 'B'),
  namespace: fc.constantFrom('a', 'b', 'shop'),
  port: fc.constantFrom(80, 443, 8080),
  protocol: fc.constantFrom('http' as const, 'tcp' as const),
  hosts: fc.array(fc.constantFrom('h1', 'h2'), { maxLength: 2 }),
  identities: fc.array(fc.constantFrom('spiffe://td/ns/a/sa/x', 'spiffe://td/ns/b/sa/y'), { maxLength: 2 }),
  endpoints: fc.array(endpointArb, { maxLength: 3 }),
}, { requiredKeys: ['name', 'namespace', 'port', 'protocol', 'hosts', 'identities', 'endpoints'] });

/** A list as the compiler makes it: one entry per key, sorted. */
const servicesArb = fc.uniqueArray(serviceArb, { selector: (s) => `${s.namespace}/${s.name}:${s.port}`, maxLength: 12 })
  .map((list) => [...list].sort(compareOutboundKeys));

const snapshotArb = (version: string): fc.Arbitrary<ProxySnapshot> => fc.record({
  workloadName: fc.constantFrom('web-0', 'web-1'),
  labels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('web', 'x'), { maxKeys: 2 }),
  mtlsMode: fc.constantFrom('STRICT' as const, 'PERMISSIVE' as const),
  ports: fc.uniqueArray(fc.constantFrom(8080, 9090, 7000), { maxLength: 2 }),
  accessLog: fc.boolean(),
  outboundAccessLog: fc.boolean(),
  services: servicesArb,
}).map((g) => ({
  version,
  workload: { name: g.workloadName, namespace: 'shop', serviceAccount: 'web', spiffeId: 'spiffe://td/ns/shop/sa/web', labels: g.labels },
  mesh: { trustDomain: 'td', mtlsMode: g.mtlsMode, defaultAction: 'ALLOW' },
  inbound: { ports: g.ports.map((port) => ({ port, protocol: 'http' as const })), policies: [], accessLog: g.accessLog },
  outbound: { services: g.services, accessLog: g.outboundAccessLog },
}));

/** b: either unrelated to a, or a with some services edited, dropped or added (the common case). */
const pairArb: fc.Arbitrary<[ProxySnapshot, ProxySnapshot]> = snapshotArb('v1').chain((a) => fc.oneof(
  snapshotArb('v2').map((b): [ProxySnapshot, ProxySnapshot] => [a, b]),
  fc.record({ keep: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), extra: servicesArb, edit: fc.nat(11) }).map(({ keep, extra, edit }): [ProxySnapshot, ProxySnapshot] => {
    const kept = a.outbound.services.filter((_, i) => keep[i] === true).map((s, i) => (i === edit ? { ...s, endpoints: [] } : s));
    const keys = new Set(kept.map((s) => `${s.namespace}/${s.name}:${s.port}`));
    const services = [...kept, ...extra.filter((s) => !keys.has(`${s.namespace}/${s.name}:${s.port}`))].sort(compareOutboundKeys);
    return [a, { ...a, version: 'v2', outbound: { ...a.outbound, services } }];
  }),
));

test('property: applying diffSnapshots(a, b) to a gives b', () => {
  fc.assert(fc.property(pairArb, ([a, b]) => {
    // Plain objects (the generator's have no prototype), as a proxy decodes them from JSON.
    const [plainA, plainB] = [structuredClone(a), structuredClone(b)];
    // Through JSON, as the patch travels.
    const patch = JSON.parse(JSON.stringify(diffSnapshots(plainA, plainB))) as SnapshotPatch;
    const applied = applySnapshotPatch(plainA, patch);
    assert.ok(applied.ok, applied.ok ? '' : applied.error);
    assert.deepEqual(applied.value, plainB);
  }), { numRuns: 300 });
});

const base: ProxySnapshot = Object.freeze<ProxySnapshot>({
  version: 'v1',
  workload: { name: 'web-0', namespace: 'shop', serviceAccount: 'web', spiffeId: 'spiffe://td/ns/shop/sa/web', labels: {} },
  mesh: { trustDomain: 'td', mtlsMode: 'STRICT', defaultAction: 'ALLOW' },
  inbound: { ports: [], policies: [], accessLog: false },
  outbound: {
    services: Object.freeze(['a', 'b', 'c', 'd'].map((name) => Object.freeze({ name, namespace: 'x', port: 80, protocol: 'http' as const, hosts: [], identities: [], endpoints: [] }))),
    accessLog: false,
  },
});

test('unchanged sections are left out, equal content counts as unchanged, one changed service is one upsert', () => {
  const services = base.outbound.services.map((s) => (s.name === 'c' ? { ...s, endpoints: [{ address: '10.0.0.9', port: 80, identity: 'i', ready: true }] } : { ...s }));
  const next: ProxySnapshot = { ...base, version: 'v2', workload: { ...base.workload }, outbound: { services, accessLog: false } };
  const patch = diffSnapshots(base, next);
  assert.deepEqual(Object.keys(patch).sort(), ['base', 'upsert', 'version']);
  assert.deepEqual(patch.upsert?.map((s) => s.name), ['c']);
  assert.ok(patchIsWorthIt(patch, next));
});

test('a patch replacing more than half the services (and more than one) is not worth sending; removals are', () => {
  const services = base.outbound.services.filter((s) => s.name === 'a' || s.name === 'b');
  const next: ProxySnapshot = { ...base, version: 'v2', outbound: { services, accessLog: false } };
  const patch = diffSnapshots(base, next);
  assert.deepEqual(patch.remove, [{ namespace: 'x', name: 'c', port: 80 }, { namespace: 'x', name: 'd', port: 80 }]);
  assert.ok(patchIsWorthIt(patch, next), 'removals are keys only');
  const edited = (names: string[]): ProxySnapshot => ({ ...base, version: 'v2', outbound: { services: base.outbound.services.map((s) => (names.includes(s.name) ? { ...s, port: s.port, hosts: ['new'] } : s)), accessLog: false } });
  assert.ok(patchIsWorthIt(diffSnapshots(base, edited(['a', 'b'])), edited(['a', 'b'])), 'half');
  assert.equal(patchIsWorthIt(diffSnapshots(base, edited(['a', 'b', 'c'])), edited(['a', 'b', 'c'])), false);
  const single = { ...base, outbound: { services: base.outbound.services.slice(0, 1), accessLog: false } };
  const singleNext = { ...single, version: 'v2', outbound: { services: [{ ...single.outbound.services[0]!, hosts: ['new'] }], accessLog: false } };
  assert.ok(patchIsWorthIt(diffSnapshots(single, singleNext), singleNext), 'one service changed of one: still a patch');
  const inboundOnly = diffSnapshots(base, { ...base, version: 'v3', inbound: { ...base.inbound, accessLog: true } });
  assert.deepEqual(Object.keys(inboundOnly).sort(), ['base', 'inbound', 'version']);
  assert.ok(patchIsWorthIt(inboundOnly, base));
});

test('the outbound diff of two frozen lists is computed once and shared', () => {
  const services = Object.freeze(base.outbound.services.slice(1));
  const next: ProxySnapshot = { ...base, version: 'v2', outbound: { services, accessLog: false } };
  const one = diffSnapshots(base, next);
  const two = diffSnapshots({ ...base, version: 'v9' }, next);
  assert.equal(one.remove, two.remove);
  assert.equal(two.base, 'v9');
});

test('property: lists out of the compiler\'s order diff by key, with the same result', () => {
  fc.assert(fc.property(pairArb, ([a, b]) => {
    const reversed = (s: ProxySnapshot): ProxySnapshot => ({ ...s, outbound: { ...s.outbound, services: [...s.outbound.services].reverse() } });
    const sorted = diffSnapshots(a, b);
    const unsorted = diffSnapshots(reversed(a), reversed(b));
    const keys = (list: readonly { namespace: string; name: string; port: number }[] | undefined): string[] => (list ?? []).map((s) => `${s.namespace}/${s.name}:${s.port}`).sort();
    assert.deepEqual(keys(unsorted.upsert), keys(sorted.upsert));
    assert.deepEqual(keys(unsorted.remove), keys(sorted.remove));
  }), { numRuns: 200 });
});
