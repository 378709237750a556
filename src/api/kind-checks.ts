/**
 * The checks that look at a whole resource once its schema passed (so they read typed values):
 * relations between fields, duration ranges, Istio's and Gateway API's rules that JSON Schema
 * cannot express. One entry per kind; kinds without one have no such rules.
 */
import { checkGrpcRoute, checkHttpRoute } from './checks/route-checks.js';
import { checkAuthorizationPolicy, checkCanary, checkFaultInjection, checkMesh, checkRateLimitPolicy, checkTrafficPolicy } from './checks/policy-checks.js';
import { checkGateway, checkService, checkWorkload } from './checks/workload-checks.js';
import type { Problem } from './problem.js';
import type { Resource, ResourceKind, ResourceOf } from './resource.js';

type KindCheck<K extends ResourceKind> = (resource: ResourceOf<K>) => Problem[];

const table: { readonly [K in ResourceKind]?: KindCheck<K> } = {
  Service: checkService,
  Gateway: checkGateway,
  HTTPRoute: checkHttpRoute,
  GRPCRoute: checkGrpcRoute,
  Mesh: checkMesh,
  Workload: checkWorkload,
  AuthorizationPolicy: checkAuthorizationPolicy,
  TrafficPolicy: checkTrafficPolicy,
  RateLimitPolicy: checkRateLimitPolicy,
  FaultInjection: checkFaultInjection,
  Canary: checkCanary,
};

/** Runs the kind's checks on a resource that passed its schema. */
export function checkKind(resource: Resource): Problem[] {
  const check = table[resource.kind] as KindCheck<ResourceKind> | undefined;
  return check === undefined ? [] : check(resource);
}
