import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProxySnapshot, parseProxySnapshotValue } from './parse-proxy-snapshot.js';

const good = {
  version: 'v1',
  workload: { name: 'web', namespace: 'shop', serviceAccount: 'web', spiffeId: 'spiffe://cluster.local/ns/shop/sa/web' },
  mesh: { trustDomain: 'cluster.local', mtlsMode: 'STRICT' },
  inbound: {
    ports: [{ port: 8080, protocol: 'http', listenPort: 16080 }],
    policies: [{ name: 'allow-app', namespace: 'shop', spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['*'] } }] }] } }],
  },
  outbound: {
    services: [{
      name: 'redis', namespace: 'db', port: 6379, protocol: 'tcp', listenPort: 16379,
      identities: ['spiffe://cluster.local/ns/db/sa/redis'],
      endpoints: [{ address: '127.0.0.1', port: 17379, identity: 'spiffe://cluster.local/ns/db/sa/redis' }],
    }],
  },
};

test('a valid snapshot parses, gets defaults, and is deeply frozen', () => {
  const r = parseProxySnapshotValue(good);
  assert.ok(r.ok);
  assert.equal(r.value.mesh.defaultAction, 'ALLOW');
  assert.equal(r.value.inbound.accessLog, false);
  assert.equal(r.value.outbound.services[0]?.endpoints[0]?.ready, true);
  assert.deepEqual(r.value.workload.labels, {});
  assert.ok(Object.isFrozen(r.value.outbound.services[0]?.endpoints));
  assert.throws(() => {
    (r.value.inbound.ports as unknown as unknown[]).push({});
  });
});

test('YAML and JSON text both parse', () => {
  const json = parseProxySnapshot(JSON.stringify(good));
  assert.ok(json.ok);
  const yaml = parseProxySnapshot('version: v2\nworkload: {name: a, namespace: b, serviceAccount: c, spiffeId: "spiffe://td/ns/b/sa/c"}\nmesh: {trustDomain: td, mtlsMode: PERMISSIVE}\ninbound: {}\noutbound: {}\n');
  assert.ok(yaml.ok, JSON.stringify(yaml));
  assert.equal(yaml.value.version, 'v2');
});

test('all problems are collected, each with a field path', () => {
  const bad = structuredClone(good) as Record<string, unknown>;
  const b = bad as { mesh: Record<string, unknown>; inbound: { ports: Record<string, unknown>[] }; outbound: { services: Record<string, unknown>[] } };
  b.mesh['mtlsMode'] = 'SOMETIMES';
  b.inbound.ports[0]!['port'] = 70000;
  b.outbound.services[0]!['identities'] = ['not-spiffe'];
  b.outbound.services[0]!['colour'] = 'blue';
  const r = parseProxySnapshotValue(bad, 'file.yaml');
  assert.ok(!r.ok);
  const wheres = r.error.map((e) => e.where);
  assert.ok(wheres.includes('file.yaml: mesh.mtlsMode'), wheres.join());
  assert.ok(wheres.includes('file.yaml: inbound.ports[0].port'), wheres.join());
  assert.ok(wheres.includes('file.yaml: outbound.services[0].identities[0]'), wheres.join());
  assert.ok(r.error.some((e) => e.message.includes('colour')));
  assert.ok(r.error.every((e) => e.code === 'WEFT_CONFIG_INVALID'));
});

test('semantic checks: duplicate ports, shared listen addresses, foreign endpoint identities', () => {
  const bad = structuredClone(good) as { inbound: { ports: unknown[] }; outbound: { services: Record<string, unknown>[] } };
  bad.inbound.ports.push({ port: 8080, protocol: 'tcp' });
  bad.outbound.services.push({ ...bad.outbound.services[0], name: 'other', endpoints: [{ address: '127.0.0.1', port: 1, identity: 'spiffe://cluster.local/ns/x/sa/y' }] });
  const r = parseProxySnapshotValue(bad);
  assert.ok(!r.ok);
  const text = r.error.map((e) => `${e.where}: ${e.message}`).join('\n');
  assert.match(text, /inbound\.ports\[1\]\.port: port 8080 is listed twice/);
  assert.match(text, /outbound\.services\[1\]\.listenPort: listens on 127\.0\.0\.1:16379/);
  assert.match(text, /outbound\.services\[1\]\.endpoints\[0\]\.identity/);
});

test('text that is not YAML is a parse error; a policy with a bad principal is refused', () => {
  const r = parseProxySnapshot('version: [', 'x.yaml');
  assert.ok(!r.ok);
  assert.equal(r.error[0]?.code, 'WEFT_CONFIG_PARSE');
  const bad = structuredClone(good) as { inbound: { policies: { spec: { rules: { from: { source: { principals: string[] } }[] }[] } }[] } };
  bad.inbound.policies[0]!.spec.rules[0]!.from[0]!.source.principals = ['a b'];
  const r2 = parseProxySnapshotValue(bad);
  assert.ok(!r2.ok);
  assert.match(r2.error[0]?.where ?? '', /inbound\.policies\[0\]\.spec\.rules\[0\]\.from\[0\]\.source\.principals\[0\]/);
});

test('a document that is not an object, and missing sections, are reported with their paths', () => {
  const r = parseProxySnapshotValue([1, 2], 'f');
  assert.ok(!r.ok);
  assert.deepEqual(r.error.map((e) => `${e.where ?? ''}: ${e.message}`), ['f: (document): must be object']);
  const r2 = parseProxySnapshotValue({ version: '', workload: {}, mesh: { trustDomain: 'td', mtlsMode: 'STRICT' }, inbound: {} }, 'f');
  assert.ok(!r2.ok);
  const text = r2.error.map((e) => `${e.where ?? ''}: ${e.message}`);
  assert.ok(text.includes('f: (document): is missing the field "outbound"'), text.join('\n'));
  assert.ok(text.includes('f: version: must NOT have fewer than 1 characters'), text.join('\n'));
  assert.ok(text.includes('f: workload: is missing the field "spiffeId"'), text.join('\n'));
});

test('embedded policies are checked field by field: unknown fields, bad ports, bad actions, all at once', () => {
  const bad = structuredClone(good) as { inbound: { policies: { spec: Record<string, unknown> }[] } };
  bad.inbound.policies[0]!.spec = {
    action: 'MAYBE',
    selector: { matchLabels: { app: 1 } },
    rules: [{ to: [{ operation: { ports: ['0'], methodz: ['GET'] } }], when: [{ values: ['x'] }] }],
  };
  const r = parseProxySnapshotValue(bad, 'f');
  assert.ok(!r.ok);
  const text = r.error.map((e) => `${e.where ?? ''}: ${e.message}`);
  const at = 'f: inbound.policies[0].spec';
  for (const line of [
    `${at}.action: must be equal to one of the allowed values`,
    `${at}.selector.matchLabels.app: must be string`,
    `${at}.rules[0].to[0].operation.ports[0]: is not a port number`,
    `${at}.rules[0].to[0].operation: has an unknown field "methodz"`,
    `${at}.rules[0].when[0]: is missing the field "key"`,
  ]) assert.ok(text.includes(line), `${line}\nnot in\n${text.join('\n')}`);
});

test('a policy without an action gets ALLOW', () => {
  const doc = structuredClone(good) as { inbound: { policies: { spec: Record<string, unknown> }[] } };
  delete doc.inbound.policies[0]!.spec['action'];
  const r = parseProxySnapshotValue(doc);
  assert.ok(r.ok);
  assert.equal(r.value.inbound.policies[0]?.spec.action, 'ALLOW');
});
