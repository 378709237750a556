/** Checks of the Weft policy kinds beyond their schemas. */
import type { AuthorizationPolicy } from '../kinds/authorization-policy.js';
import type { Canary } from '../kinds/canary.js';
import type { FaultInjection } from '../kinds/fault-injection.js';
import type { Mesh } from '../kinds/mesh.js';
import type { RateLimitPolicy } from '../kinds/rate-limit-policy.js';
import type { TrafficPolicy } from '../kinds/traffic-policy.js';
import { problem, type Problem } from '../problem.js';
import type { DeepReadonly } from '../resource.js';
import { durationRange, duplicates, targetKinds } from './check-kit.js';

export function checkAuthorizationPolicy(policy: DeepReadonly<AuthorizationPolicy>): Problem[] {
  const out: Problem[] = [];
  const { spec } = policy;
  if (spec.selector !== undefined && spec.targetRefs !== undefined) {
    out.push(problem('spec.targetRefs', 'cannot be used together with selector; use one of them'));
  }
  if (spec.targetRefs !== undefined) targetKinds(out, spec.targetRefs, ['/Service', 'gateway.networking.k8s.io/Gateway'], 'spec.targetRefs');
  if (spec.action === 'ALLOW' && spec.rules === undefined) {
    out.push(problem('spec.rules', 'an ALLOW policy without rules allows nothing: every request to the selected workloads is denied', 'warning'));
  }
  if (spec.action === 'DENY' && spec.rules !== undefined && spec.rules.length === 0) {
    out.push(problem('spec.rules', 'a DENY policy with an empty rule list denies nothing', 'warning'));
  }
  return out;
}

export function checkTrafficPolicy(policy: DeepReadonly<TrafficPolicy>): Problem[] {
  const out: Problem[] = [];
  const { spec } = policy;
  targetKinds(out, spec.targetRefs, ['/Service'], 'spec.targetRefs');
  durationRange(out, 'spec.connectionPool.connectTimeout', spec.connectionPool?.connectTimeout, '1ms', '1h');
  durationRange(out, 'spec.connectionPool.idleTimeout', spec.connectionPool?.idleTimeout, '1s', '24h');
  durationRange(out, 'spec.outlierDetection.interval', spec.outlierDetection?.interval, '100ms', '1h');
  durationRange(out, 'spec.outlierDetection.baseEjectionTime', spec.outlierDetection?.baseEjectionTime, '1ms', '24h');
  durationRange(out, 'spec.retries.backoff', spec.retries?.backoff, '1ms', '1h');
  durationRange(out, 'spec.retries.perTryTimeout', spec.retries?.perTryTimeout, '1ms', '24h');
  durationRange(out, 'spec.timeouts.request', spec.timeouts?.request, '0s', '24h');
  durationRange(out, 'spec.timeouts.idle', spec.timeouts?.idle, '1s', '24h');
  return out;
}

export function checkRateLimitPolicy(policy: DeepReadonly<RateLimitPolicy>): Problem[] {
  const out: Problem[] = [];
  targetKinds(out, policy.spec.targetRefs, ['/Service', 'gateway.networking.k8s.io/Gateway'], 'spec.targetRefs');
  policy.spec.limits.forEach((limit, i) => durationRange(out, `spec.limits[${i}].interval`, limit.interval, '1ms', '24h'));
  duplicates(out, policy.spec.limits, (l) => l.name, (i) => `spec.limits[${i}].name`, 'limit name');
  return out;
}

export function checkFaultInjection(fault: DeepReadonly<FaultInjection>): Problem[] {
  const out: Problem[] = [];
  durationRange(out, 'spec.delay.fixedDelay', fault.spec.delay?.fixedDelay, '1ms', '1h');
  return out;
}

export function checkCanary(canary: DeepReadonly<Canary>): Problem[] {
  const out: Problem[] = [];
  const { spec } = canary;
  if (spec.stable.name === spec.canary.name) out.push(problem('spec.canary.name', 'names the same Service as stable'));
  spec.steps.forEach((step, i) => {
    const before = spec.steps[i - 1];
    if (before !== undefined && step.weight < before.weight) {
      out.push(problem(`spec.steps[${i}].weight`, `${step.weight} is lower than the step before (${before.weight}); weights must not go down`));
    }
    durationRange(out, `spec.steps[${i}].pause`, step.pause, '0s', '24h');
  });
  durationRange(out, 'spec.interval', spec.interval, '1s', '24h');
  (spec.webhooks ?? []).forEach((w, i) => durationRange(out, `spec.webhooks[${i}].timeout`, w.timeout, '1ms', '5m'));
  duplicates(out, spec.webhooks ?? [], (w) => w.name, (i) => `spec.webhooks[${i}].name`, 'webhook name');
  return out;
}

export function checkMesh(mesh: DeepReadonly<Mesh>): Problem[] {
  const out: Problem[] = [];
  durationRange(out, 'spec.certificateLifetime', mesh.spec.certificateLifetime, '10m', '2160h');
  return out;
}
