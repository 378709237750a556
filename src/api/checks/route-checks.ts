/** Checks of HTTPRoute and GRPCRoute beyond their schemas. */
import { durationToMs } from '../duration.js';
import type { GrpcRoute } from '../kinds/grpc-route.js';
import type { HttpRoute } from '../kinds/http-route.js';
import { problem, type Problem } from '../problem.js';
import type { DeepReadonly } from '../resource.js';
import { durationRange } from './check-kit.js';

interface WeightedRule {
  readonly backendRefs?: readonly { readonly weight?: number }[];
}

function commonRouteChecks(spec: { readonly parentRefs?: readonly unknown[]; readonly rules?: readonly WeightedRule[] }, out: Problem[]): void {
  if (spec.parentRefs === undefined || spec.parentRefs.length === 0) {
    out.push(problem('spec.parentRefs', 'the route attaches to nothing (no parentRefs), so it has no effect', 'warning'));
  }
  (spec.rules ?? []).forEach((rule, i) => {
    const refs = rule.backendRefs ?? [];
    if (refs.length > 0 && refs.every((b) => (b.weight ?? 1) === 0)) {
      out.push(problem(`spec.rules[${i}].backendRefs`, 'the weights add up to 0, so every matching request fails'));
    }
  });
}

export function checkHttpRoute(route: DeepReadonly<HttpRoute>): Problem[] {
  const out: Problem[] = [];
  commonRouteChecks(route.spec, out);
  (route.spec.rules ?? []).forEach((rule, i) => {
    const t = rule.timeouts;
    const base = `spec.rules[${i}]`;
    durationRange(out, `${base}.timeouts.request`, t?.request, '0s', '24h');
    durationRange(out, `${base}.timeouts.backendRequest`, t?.backendRequest, '1ms', '24h');
    const request = t?.request === undefined ? undefined : durationToMs(t.request);
    const backend = t?.backendRequest === undefined ? undefined : durationToMs(t.backendRequest);
    if (request !== undefined && request > 0 && backend !== undefined && backend > request) {
      out.push(problem(`${base}.timeouts.backendRequest`, `"${t?.backendRequest}" is longer than timeouts.request ("${t?.request}")`));
    }
    durationRange(out, `${base}.retry.backoff`, rule.retry?.backoff, '1ms', '1h');
    const redirectAndBackends = (rule.filters ?? []).some((f) => f.type === 'RequestRedirect') && (rule.backendRefs ?? []).length > 0;
    if (redirectAndBackends) out.push(problem(`${base}.backendRefs`, 'a rule with a RequestRedirect filter answers itself; its backendRefs are never used', 'warning'));
  });
  return out;
}

export function checkGrpcRoute(route: DeepReadonly<GrpcRoute>): Problem[] {
  const out: Problem[] = [];
  commonRouteChecks(route.spec, out);
  return out;
}
