import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutboundService, WorkloadIdentity } from '../snapshot/proxy-snapshot.js';
import { inboundEdgeLabels, outboundEdgeLabels } from './edge-labels.js';

const self: WorkloadIdentity = { name: 'api', namespace: 'app', serviceAccount: 'api', spiffeId: 'spiffe://weft.test/ns/app/sa/api', labels: {} };
const redis: OutboundService = {
  name: 'redis',
  namespace: 'data',
  port: 6379,
  protocol: 'tcp',
  hosts: ['redis.data'],
  identities: ['spiffe://weft.test/ns/data/sa/redis'],
  endpoints: [],
};

test('inbound labels come from the peer SPIFFE ID; unauthenticated callers get empty source labels', () => {
  assert.deepEqual(inboundEdgeLabels(self, 'spiffe://weft.test/ns/web/sa/frontend', 'http', 'api.app'), {
    direction: 'inbound',
    sourceWorkload: 'frontend',
    sourceNamespace: 'web',
    sourcePrincipal: 'spiffe://weft.test/ns/web/sa/frontend',
    destinationWorkload: 'api',
    destinationNamespace: 'app',
    destinationService: 'api.app',
    protocol: 'http',
  });
  const plain = inboundEdgeLabels(self, undefined, 'tcp');
  assert.equal(plain.sourcePrincipal, '');
  assert.equal(plain.sourceWorkload, '');
  assert.equal(plain.sourceNamespace, '');
});

test('outbound labels name the service and, once known, the server workload', () => {
  const l = outboundEdgeLabels(self, redis, 'tcp', 'spiffe://weft.test/ns/data/sa/redis');
  assert.equal(l.direction, 'outbound');
  assert.equal(l.sourcePrincipal, self.spiffeId);
  assert.equal(l.destinationService, 'redis.data');
  assert.equal(l.destinationWorkload, 'redis');
  assert.equal(outboundEdgeLabels(self, redis, 'tcp').destinationWorkload, '');
});
