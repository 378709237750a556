import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxySnapshot } from '../../proxy/snapshot/proxy-snapshot.js';
import { createMessageEncoder } from './encode-message.js';

const services = Object.freeze([{ name: 'web', namespace: 'shop', port: 80, protocol: 'http' as const, hosts: ['web.shop'], identities: ['spiffe://cluster.local/ns/shop/sa/web'], endpoints: [{ address: '198.18.0.1', port: 8080, identity: 'spiffe://cluster.local/ns/shop/sa/web', ready: true }] }]);

function snapshot(name: string): ProxySnapshot {
  return {
    version: `v-${name}`,
    workload: { name, namespace: 'shop', serviceAccount: 'sa', spiffeId: 'spiffe://cluster.local/ns/shop/sa/sa', labels: { app: name } },
    mesh: { trustDomain: 'cluster.local', mtlsMode: 'STRICT', defaultAction: 'ALLOW' },
    inbound: { ports: [{ port: 8080, protocol: 'http' }], policies: [], accessLog: false },
    outbound: { services, accessLog: true },
  };
}

test('a snapshot line decodes to the same message, with the shared outbound list spliced in', () => {
  const encoder = createMessageEncoder();
  for (const name of ['a', 'b']) {
    const line = encoder.encode({ type: 'snapshot', snapshot: snapshot(name) });
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
    assert.deepEqual(JSON.parse(line), { type: 'snapshot', snapshot: snapshot(name) });
  }
  assert.deepEqual(JSON.parse(encoder.encode({ type: 'error', code: 'WEFT_CONTROL_BAD_REQUEST', message: 'x' })), { type: 'error', code: 'WEFT_CONTROL_BAD_REQUEST', message: 'x' });
});

test('a patch line decodes to the same message; frozen parts are encoded once and reused', () => {
  const encoder = createMessageEncoder();
  const upsert = Object.freeze([Object.freeze({ ...services[0]!, endpoints: Object.freeze([]) })]);
  const inbound = Object.freeze({ ports: Object.freeze([]), policies: Object.freeze([]), accessLog: true });
  const patch = { type: 'patch' as const, base: 'v1', version: 'v2', inbound, outboundAccessLog: false, upsert, remove: Object.freeze([{ namespace: 'a', name: 'b', port: 1 }]) };
  const line = encoder.encode(patch);
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  assert.deepEqual(JSON.parse(line), patch);
  const other = encoder.encode({ ...patch, base: 'v7', version: 'v8' });
  assert.deepEqual(JSON.parse(other), { ...patch, base: 'v7', version: 'v8' });
  assert.deepEqual(JSON.parse(encoder.encode({ type: 'patch', base: 'v1', version: 'v2' })), { type: 'patch', base: 'v1', version: 'v2' });
});

test('an unfrozen value is encoded afresh each time (it may have changed)', () => {
  const encoder = createMessageEncoder();
  const s = snapshot('a');
  const labels = s.workload.labels as Record<string, string>;
  const first = JSON.parse(encoder.encode({ type: 'snapshot', snapshot: s })) as { snapshot: ProxySnapshot };
  labels['app'] = 'changed';
  const second = JSON.parse(encoder.encode({ type: 'snapshot', snapshot: s })) as { snapshot: ProxySnapshot };
  assert.equal(first.snapshot.workload.labels['app'], 'a');
  assert.equal(second.snapshot.workload.labels['app'], 'changed');
});

test('chunks carry the same bytes as the line; a snapshot\'s frozen outbound list is one shared Buffer', () => {
  const encoder = createMessageEncoder();
  const a = encoder.encodeChunks({ type: 'snapshot', snapshot: snapshot('a') });
  const b = encoder.encodeChunks({ type: 'snapshot', snapshot: snapshot('b') });
  assert.equal(Buffer.concat(a).toString(), encoder.encode({ type: 'snapshot', snapshot: snapshot('a') }));
  assert.deepEqual(JSON.parse(Buffer.concat(b).toString()), { type: 'snapshot', snapshot: snapshot('b') });
  assert.equal(a[1], b[1], 'the same Buffer object, not a copy per proxy');
  const patch = { type: 'patch' as const, base: 'v1', version: 'v2', upsert: services };
  assert.equal(Buffer.concat(encoder.encodeChunks(patch)).toString(), encoder.encode(patch));
});
