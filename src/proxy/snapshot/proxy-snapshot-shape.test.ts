// The hand-written snapshot checks (`check-proxy-snapshot.ts`) against the JSON Schema the proxy used
// before (TypeBox + Ajv, with the api's AuthorizationPolicySpec): on random mutations of a valid
// snapshot both accept the same documents, report problems at the same field paths, and fill in
// the same defaults. The sidecar no longer loads Ajv; this test keeps it as strict as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Ajv } from 'ajv';
import { AuthorizationPolicySpec } from '../../api/kinds/authorization-policy.js';
import { StrictObject, StringEnum, StringMap, Type, type Static } from '../../api/schema-kit.js';
import { parseProxySnapshotValue } from './parse-proxy-snapshot.js';
import type { ProxySnapshot } from './proxy-snapshot.js';

const Spiffe = Type.String({ pattern: '^spiffe://[^/\\s]+/ns/[^/\\s]+/sa/[^/\\s]+$' });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Name = Type.String({ minLength: 1, maxLength: 253 });
const Address = Type.String({ minLength: 1, maxLength: 255 });
const Protocol = StringEnum(['http', 'http2', 'grpc', 'tcp', 'detect'] as const);
const Endpoint = StrictObject({
  address: Address, port: Port, identity: Spiffe, zone: Type.Optional(Type.String()), labels: Type.Optional(StringMap()), ready: Type.Boolean({ default: true }),
});
const OutboundService = StrictObject({
  name: Name, namespace: Name, port: Port, protocol: Protocol, vip: Type.Optional(Address), hosts: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  listenPort: Type.Optional(Port), listenAddress: Type.Optional(Address), identities: Type.Array(Spiffe), endpoints: Type.Array(Endpoint),
});
const InboundPort = StrictObject({ port: Port, protocol: Protocol, appAddress: Type.Optional(Address), listenPort: Type.Optional(Port), listenAddress: Type.Optional(Address) });
const ProxySnapshotSchema = StrictObject({
  version: Type.String({ minLength: 1 }),
  workload: StrictObject({ name: Name, namespace: Name, serviceAccount: Name, spiffeId: Spiffe, labels: StringMap({ default: {} }), zone: Type.Optional(Type.String()) }),
  mesh: StrictObject({ trustDomain: Type.String({ minLength: 1 }), mtlsMode: StringEnum(['STRICT', 'PERMISSIVE'] as const), defaultAction: StringEnum(['ALLOW', 'DENY'] as const, { default: 'ALLOW' }) }),
  inbound: StrictObject({
    ports: Type.Array(InboundPort, { default: [] }),
    policies: Type.Array(StrictObject({ name: Name, namespace: Name, spec: AuthorizationPolicySpec }), { default: [] }),
    accessLog: Type.Boolean({ default: false }),
  }),
  outbound: StrictObject({ services: Type.Array(OutboundService, { default: [] }), accessLog: Type.Boolean({ default: false }) }),
});

// The schema and the hand-written contract type agree; this fails to compile when they drift.
const schemaMatchesType = (s: Static<typeof ProxySnapshotSchema>): ProxySnapshot => s;
void schemaMatchesType;

const validate = new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(ProxySnapshotSchema);

function ajvPaths(value: unknown): { ok: boolean; paths: string[]; value: unknown } {
  const copy: unknown = structuredClone(value);
  const ok = validate(copy);
  const paths = (validate.errors ?? []).map((e) =>
    e.instancePath.slice(1).split('/').map((p) => `.${p.replaceAll('~1', '/').replaceAll('~0', '~')}`).join('').replace(/^\./, ''));
  return { ok, paths: normalized(paths), value: copy };
}

// Array indexes and numeric map keys written the same way on both sides: `a[0]` → `a.0`.
function normalized(paths: readonly string[]): string[] {
  return [...new Set(paths.map((p) => (p === '' ? '(document)' : p.replace(/\[(\d+)\]/g, '.$1'))))].sort();
}

// The schema's string maps matched keys with /^(.*)$/u, which skips keys holding a line break; the
// hand-written check validates every key (stricter there on purpose), so such keys are left out.
function hasLineBreakKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasLineBreakKey);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([k, v]) => /[\n\r\u2028\u2029]/.test(k) || hasLineBreakKey(v));
}

function ownPaths(value: unknown): { ok: boolean; paths: string[] } {
  const r = parseProxySnapshotValue(value, 's');
  if (r.ok) return { ok: true, paths: [] };
  const shape = r.error.filter((e) => e.code === 'WEFT_CONFIG_INVALID').map((e) => (e.where ?? '').replace(/^s: /, ''));
  return { ok: false, paths: normalized(shape) };
}

const good = {
  version: 'v1',
  workload: { name: 'web', namespace: 'shop', serviceAccount: 'web', spiffeId: 'spiffe://cluster.local/ns/shop/sa/web', labels: { app: 'web' }, zone: 'z1' },
  mesh: { trustDomain: 'cluster.local', mtlsMode: 'STRICT', defaultAction: 'DENY' },
  inbound: {
    ports: [{ port: 8080, protocol: 'http', listenPort: 16080, appAddress: '127.0.0.1', listenAddress: '127.0.0.1' }],
    policies: [{
      name: 'p', namespace: 'shop',
      spec: {
        selector: { matchLabels: { app: 'web' } },
        action: 'ALLOW',
        rules: [{
          from: [{ source: { principals: ['spiffe://cluster.local/ns/a/sa/b', '*'], notPrincipals: ['td/ns/x/sa/*'], namespaces: ['a'], notNamespaces: ['b'], ipBlocks: ['10.0.0.0/8'], notIpBlocks: ['10.1.0.0/16'] } }],
          to: [{ operation: { hosts: ['a'], notHosts: ['b'], ports: ['8080'], notPorts: ['9'], methods: ['GET'], notMethods: ['PUT'], paths: ['/a*'], notPaths: ['/b'] } }],
          when: [{ key: 'request.headers[x]', values: ['1'], notValues: ['2'] }],
        }],
      },
    }, { name: 'q', namespace: 'shop', spec: { targetRefs: [{ group: '', kind: 'Service', name: 'web' }], rules: [{}] } }],
    accessLog: true,
  },
  outbound: {
    services: [{
      name: 'redis', namespace: 'db', port: 6379, protocol: 'tcp', vip: '10.0.0.9', hosts: ['redis.db'], listenPort: 16379, listenAddress: '127.0.0.1',
      identities: ['spiffe://cluster.local/ns/db/sa/redis'],
      endpoints: [{ address: '127.0.0.1', port: 17379, identity: 'spiffe://cluster.local/ns/db/sa/redis', zone: 'z1', labels: { v: '1' }, ready: false }],
    }],
    accessLog: false,
  },
};

type Path = (string | number)[];

function allPaths(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...allPaths(v, [...at, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push(...allPaths(v, [...at, k]));
  return out;
}

const paths = allPaths(good).filter((p) => p.length > 0);

type Mutation = { readonly at: Path; readonly kind: 'delete' | 'set' | 'add'; readonly value: unknown; readonly key: string };

function apply(doc: unknown, m: Mutation): void {
  let node = doc as Record<string | number, unknown>;
  for (const seg of m.at.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = m.at[m.at.length - 1]!;
  if (m.kind === 'delete') {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else if (m.kind === 'set') node[last] = m.value;
  else {
    const target = node[last];
    if (typeof target === 'object' && target !== null && !Array.isArray(target)) (target as Record<string, unknown>)[m.key] = m.value;
  }
}

// Values that hit the edges: wrong types, empty and long strings, port bounds, near-miss identities.
const interesting = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(0, 1, 65535, 65536, -1, 1.5, '', 'x', 'x'.repeat(254), 'x'.repeat(256), 'spiffe://td/ns/a/sa/b', 'spiffe://td/ns/a/sa/', 'td/ns/a/sa/b', '*', '*x', 'ns/a/sa/b', '8080', '0', '123456', 'ALLOW', 'DENY', 'AUDIT', 'STRICT', 'tcp', 'detect', true, false, null, [], {}, ['x'], { a: 1 }, { a: 'b' }),
);

const mutation = fc.record({
  at: fc.constantFrom(...paths),
  kind: fc.constantFrom('delete' as const, 'set' as const, 'set' as const, 'add' as const),
  value: interesting,
  key: fc.constantFrom('extra', 'principals', 'ready', 'labels', 'rules'),
});

test('the hand-written checks accept the full example and fill the same defaults as the schema did', () => {
  const minimal = structuredClone(good) as { inbound: { policies: { spec: Record<string, unknown> }[] }; outbound: { services: Record<string, unknown>[] } };
  delete minimal.inbound.policies[0]!.spec['action'];
  delete (minimal.outbound.services[0]!['endpoints'] as Record<string, unknown>[])[0]!['ready'];
  delete minimal.outbound.services[0]!['hosts'];
  const mine = parseProxySnapshotValue(minimal);
  assert.ok(mine.ok, JSON.stringify(!mine.ok && mine.error));
  assert.deepEqual(mine.value, ajvPaths(minimal).value);
});

test('on random mutations both validators agree on validity and on the problem paths', () => {
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
      const doc = structuredClone(good);
      for (const m of mutations) {
        try {
          apply(doc, m);
        } catch {
          // An earlier mutation removed the parent: nothing to change.
        }
      }
      fc.pre(!hasLineBreakKey(doc));
      const theirs = ajvPaths(doc);
      const mine = ownPaths(doc);
      if (theirs.ok) {
        // Semantic problems (duplicate ports, foreign identities) can still refuse a well-shaped document.
        const r = parseProxySnapshotValue(doc);
        assert.ok(r.ok || r.error.every((e) => !e.message.startsWith('must') && !e.message.includes('field')), JSON.stringify(r));
        if (r.ok) assert.deepEqual(r.value, theirs.value);
      } else {
        assert.equal(mine.ok, false, `schema refused at ${theirs.paths.join()}`);
        assert.deepEqual(mine.paths, theirs.paths);
      }
    }),
    { numRuns: 2000 },
  );
});

test('a hole in a sparse array is refused at its index by both validators (found by the property above, seed -1671716029)', () => {
  const doc = structuredClone(good) as { inbound: { policies: { spec: { rules: { from: { source: Record<string, unknown> }[] }[] } }[] } };
  // eslint-disable-next-line no-sparse-arrays -- the hole is the point of the test
  doc.inbound.policies[0]!.spec.rules[0]!.from[0]!.source['principals'] = [, '&>c'];
  const theirs = ajvPaths(doc);
  const mine = ownPaths(doc);
  assert.equal(theirs.ok, false);
  assert.equal(mine.ok, false);
  assert.deepEqual(mine.paths, theirs.paths);
  assert.ok(mine.paths.includes('inbound.policies.0.spec.rules.0.from.0.source.principals.0'), mine.paths.join());
});
