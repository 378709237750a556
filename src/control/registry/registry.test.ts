import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResourceValidator } from '../../api/validate.js';
import type { ResourceOf } from '../../api/resource.js';
import { createManualClock } from '../../core/clock.js';
import { createRegistry } from './registry.js';
import { selectEndpoints, selectorMatches } from './select-endpoints.js';
import { parseWorkloadRegistration } from './workload-instance.js';

const validator = createResourceValidator();

function svc(raw: Record<string, unknown>): ResourceOf<'Service'> {
  const r = validator.validate({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: raw });
  if (!r.ok || r.value.resource.kind !== 'Service') assert.fail(JSON.stringify(r));
  return r.value.resource;
}

function instance(name: string, labels: Record<string, string>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { namespace: 'shop', name, serviceAccount: 'web', labels, addresses: [`198.18.0.${name.length}`], ports: [{ port: 8080, name: 'http', protocol: 'http' }], ...extra };
}

test('a registration is parsed at the boundary with every problem and its field path', () => {
  const bad = parseWorkloadRegistration({ namespace: 'Shop', name: 'web-0', addresses: ['300.1.1.1'], ports: [{ port: 0, protocol: 'udp' }], ready: 'yes' });
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.deepEqual(bad.error.map((p) => p.path), ['namespace', 'addresses[0]', 'ports[0].port', 'ports[0].protocol', 'ready']);
  const good = parseWorkloadRegistration(instance('web-0', { app: 'web' }));
  assert.ok(good.ok);
  assert.equal(good.value.ready, true);
  assert.equal(good.value.serviceAccount, 'web');
  assert.ok(Object.isFrozen(good.value.labels));
});

test('selectors match like Kubernetes: every selector label, none for an empty or absent selector', () => {
  assert.ok(selectorMatches({ app: 'web' }, { app: 'web', version: 'v1' }));
  assert.ok(!selectorMatches({ app: 'web', version: 'v2' }, { app: 'web', version: 'v1' }));
  assert.ok(!selectorMatches({}, { app: 'web' }));
  assert.ok(!selectorMatches(undefined, { app: 'web' }));
});

test('a Service selects instances of its namespace by labels, per port, by targetPort name or number', () => {
  const clock = createManualClock();
  const registry = createRegistry({ clock });
  registry.register(instance('web-0', { app: 'web', v: '1' }));
  registry.register(instance('web-1', { app: 'web', v: '2' }, { ports: [{ port: 8080, name: 'http', dialPort: 16001 }, { port: 9090, name: 'metrics' }] }));
  registry.register(instance('api-0', { app: 'api' }));
  registry.register({ ...instance('web-9', { app: 'web' }), namespace: 'other' });
  const snapshot = registry.snapshot();
  const byName = selectEndpoints(svc({ selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }), snapshot.instances);
  assert.deepEqual(byName.map((e) => [e.instance.name, e.servicePort, e.targetPort, e.port]), [['web-0', 80, 8080, 8080], ['web-1', 80, 8080, 16001]]);
  const byNumber = selectEndpoints(svc({ selector: { app: 'web', v: '2' }, ports: [{ name: 'm', port: 9090 }] }), snapshot.instances);
  assert.deepEqual(byNumber.map((e) => [e.instance.name, e.targetPort]), [['web-1', 9090]]);
  const namedMissing = selectEndpoints(svc({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'grpc' }] }), snapshot.instances);
  assert.deepEqual(namedMissing, []);
  assert.deepEqual(selectEndpoints(svc({ ports: [{ port: 80 }] }), snapshot.instances), []);
});

test('readiness: a not-ready report and a lapsed lease mark the endpoint not ready; heartbeat restores; long silence forgets', () => {
  const clock = createManualClock();
  const registry = createRegistry({ clock, leaseMs: 1000, forgetAfterMs: 5000 });
  registry.register(instance('web-0', { app: 'web' }));
  registry.register(instance('web-1', { app: 'web' }));
  const service = svc({ selector: { app: 'web' }, ports: [{ port: 8080 }] });
  const ready = (): string[] => selectEndpoints(service, registry.snapshot().instances).filter((e) => e.ready).map((e) => e.instance.name);
  assert.deepEqual(ready(), ['web-0', 'web-1']);
  const v0 = registry.snapshot().version;
  assert.equal(registry.setReady('shop', 'web-1', false), true);
  assert.deepEqual(ready(), ['web-0']);
  assert.ok(registry.snapshot().version > v0);
  const v1 = registry.snapshot().version;
  registry.setReady('shop', 'web-1', false);
  assert.equal(registry.snapshot().version, v1, 'no change, no new version');
  clock.advance(800);
  registry.heartbeat('shop', 'web-0');
  clock.advance(800);
  registry.expire();
  assert.deepEqual(registry.snapshot().instances.map((i) => [i.name, i.ready]), [['web-0', true], ['web-1', false]]);
  registry.setReady('shop', 'web-1', true);
  assert.deepEqual(ready(), ['web-0', 'web-1']);
  clock.advance(1500);
  registry.heartbeat('shop', 'web-1');
  registry.expire();
  assert.deepEqual(ready(), ['web-1']);
  registry.heartbeat('shop', 'web-0');
  assert.deepEqual(ready(), ['web-0', 'web-1']);
  clock.advance(6000);
  registry.heartbeat('shop', 'web-1');
  registry.expire();
  assert.deepEqual(registry.snapshot().instances.map((i) => i.name), ['web-1']);
  assert.equal(registry.heartbeat('shop', 'web-0'), false);
  assert.equal(registry.deregister('shop', 'web-1'), true);
  assert.deepEqual(registry.snapshot().instances, []);
});

test('an instance that did not change keeps the same frozen object from one snapshot to the next', () => {
  const clock = createManualClock();
  const registry = createRegistry({ clock, leaseMs: 1000 });
  registry.register(instance('web-0', { app: 'web' }));
  registry.register(instance('web-1', { app: 'web' }));
  const first = registry.snapshot();
  registry.setReady('shop', 'web-1', false);
  const second = registry.snapshot();
  assert.notEqual(second.version, first.version);
  assert.equal(second.instances[0], first.instances[0], 'web-0 did not change');
  assert.notEqual(second.instances[1], first.instances[1]);
  assert.equal(second.instances[1]?.ready, false);
  registry.heartbeat('shop', 'web-0');
  assert.equal(registry.snapshot(), second, 'a heartbeat within the lease changes nothing');
  clock.advance(1500);
  registry.heartbeat('shop', 'web-1');
  registry.expire();
  const third = registry.snapshot();
  assert.equal(third.instances[0]?.ready, false, 'web-0\'s lease lapsed');
  assert.notEqual(third.instances[0], second.instances[0]);
  assert.equal(third.instances[1], second.instances[1]);
});
