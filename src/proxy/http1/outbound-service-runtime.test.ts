import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutboundService } from '../snapshot/proxy-snapshot.js';
import { createOutboundServiceRuntime, pickTarget } from './outbound-service-runtime.js';

const base: OutboundService = {
  name: 'redis',
  namespace: 'd',
  port: 6379,
  protocol: 'http',
  hosts: [],
  identities: ['spiffe://cluster.local/ns/d/sa/redis', 'spiffe://cluster.local/ns/d/sa/redis-b'],
  endpoints: [
    { address: '10.0.0.1', port: 15006, identity: 'spiffe://cluster.local/ns/d/sa/redis', ready: true },
    { address: '10.0.0.2', port: 15006, identity: 'spiffe://cluster.local/ns/d/sa/redis', ready: false },
    { address: '10.0.0.3', port: 15006, identity: 'spiffe://cluster.local/ns/d/sa/redis', ready: true },
  ],
};

describe('outbound service runtime', () => {
  it('targets only ready endpoints, in round-robin order, with the service identities', () => {
    const rt = createOutboundServiceRuntime(base);
    assert.equal(rt.label, 'd/redis:6379');
    assert.equal(rt.serviceName, 'redis.d');
    const picks = [pickTarget(rt), pickTarget(rt), pickTarget(rt), pickTarget(rt)].map((t) => t?.address);
    assert.deepEqual(picks, ['10.0.0.1', '10.0.0.3', '10.0.0.1', '10.0.0.3']);
    const t = rt.targets[0]!;
    assert.deepEqual([...(t.identities ?? [])], ['spiffe://cluster.local/ns/d/sa/redis', 'spiffe://cluster.local/ns/d/sa/redis-b']);
    assert.equal(t.key, 'tls|10.0.0.1|15006|spiffe://cluster.local/ns/d/sa/redis,spiffe://cluster.local/ns/d/sa/redis-b');
  });

  it('gives no target when no endpoint is ready', () => {
    const rt = createOutboundServiceRuntime({ ...base, endpoints: base.endpoints.map((e) => ({ ...e, ready: false })) });
    assert.equal(pickTarget(rt), undefined);
  });

  it('keys pools by the accepted identity set, not its order', () => {
    const a = createOutboundServiceRuntime(base).targets[0]!;
    const b = createOutboundServiceRuntime({ ...base, identities: [...base.identities].reverse() }).targets[0]!;
    const c = createOutboundServiceRuntime({ ...base, identities: ['spiffe://cluster.local/ns/d/sa/redis'] }).targets[0]!;
    assert.equal(a.key, b.key);
    assert.notEqual(a.key, c.key);
  });
});
