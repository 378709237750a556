/**
 * The table of every resource kind Weft reads: one entry per kind, pointing at its one schema.
 * Validators (`validate.ts`) and CRDs (`crd.ts`) are derived from this table; nothing else declares
 * the shape of a resource.
 */
import type { TSchema } from '@sinclair/typebox';
import { AuthorizationPolicy } from './kinds/authorization-policy.js';
import { Canary } from './kinds/canary.js';
import { FaultInjection } from './kinds/fault-injection.js';
import { Gateway } from './kinds/gateway.js';
import { GrpcRoute } from './kinds/grpc-route.js';
import { HttpRoute } from './kinds/http-route.js';
import { Mesh } from './kinds/mesh.js';
import { Namespace } from './kinds/namespace.js';
import { RateLimitPolicy } from './kinds/rate-limit-policy.js';
import { Service } from './kinds/service.js';
import { TrafficPolicy } from './kinds/traffic-policy.js';
import { Workload } from './kinds/workload.js';

export interface KindInfo {
  readonly apiVersion: string;
  readonly kind: string;
  /** Lower-case plural, as in a CRD's `spec.names.plural`. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** True for Weft's own kinds, which ship as CRDs; false for standard kinds. */
  readonly weftKind: boolean;
  readonly schema: TSchema;
  /** Short names for `kubectl get` (CRDs only). */
  readonly shortNames?: readonly string[];
}

const weft = 'weft.dev/v1alpha1';
const gatewayApi = 'gateway.networking.k8s.io/v1';

export const kinds: readonly KindInfo[] = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, weftKind: false, schema: Namespace },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true, weftKind: false, schema: Service },
  { apiVersion: gatewayApi, kind: 'Gateway', plural: 'gateways', namespaced: true, weftKind: false, schema: Gateway },
  { apiVersion: gatewayApi, kind: 'HTTPRoute', plural: 'httproutes', namespaced: true, weftKind: false, schema: HttpRoute },
  { apiVersion: gatewayApi, kind: 'GRPCRoute', plural: 'grpcroutes', namespaced: true, weftKind: false, schema: GrpcRoute },
  { apiVersion: weft, kind: 'Mesh', plural: 'meshes', namespaced: false, weftKind: true, schema: Mesh },
  { apiVersion: weft, kind: 'Workload', plural: 'workloads', namespaced: true, weftKind: true, schema: Workload, shortNames: ['wl'] },
  { apiVersion: weft, kind: 'AuthorizationPolicy', plural: 'authorizationpolicies', namespaced: true, weftKind: true, schema: AuthorizationPolicy, shortNames: ['ap'] },
  { apiVersion: weft, kind: 'TrafficPolicy', plural: 'trafficpolicies', namespaced: true, weftKind: true, schema: TrafficPolicy, shortNames: ['tp'] },
  { apiVersion: weft, kind: 'RateLimitPolicy', plural: 'ratelimitpolicies', namespaced: true, weftKind: true, schema: RateLimitPolicy, shortNames: ['rlp'] },
  { apiVersion: weft, kind: 'FaultInjection', plural: 'faultinjections', namespaced: true, weftKind: true, schema: FaultInjection, shortNames: ['fi'] },
  { apiVersion: weft, kind: 'Canary', plural: 'canaries', namespaced: true, weftKind: true, schema: Canary },
];

export function findKind(apiVersion: unknown, kind: unknown): KindInfo | undefined {
  return kinds.find((k) => k.apiVersion === apiVersion && k.kind === kind);
}
