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
