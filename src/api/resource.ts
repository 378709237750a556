/** The union of every validated resource, as the validator returns it (defaults filled in, frozen). */
import type { AuthorizationPolicy } from './kinds/authorization-policy.js';
import type { Canary } from './kinds/canary.js';
import type { FaultInjection } from './kinds/fault-injection.js';
import type { Gateway } from './kinds/gateway.js';
import type { GrpcRoute } from './kinds/grpc-route.js';
import type { HttpRoute } from './kinds/http-route.js';
import type { Mesh } from './kinds/mesh.js';
import type { Namespace } from './kinds/namespace.js';
import type { RateLimitPolicy } from './kinds/rate-limit-policy.js';
import type { Service } from './kinds/service.js';
import type { TrafficPolicy } from './kinds/traffic-policy.js';
import type { Workload } from './kinds/workload.js';

type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

export type Resource = DeepReadonly<
  Namespace | Service | Gateway | HttpRoute | GrpcRoute | Mesh | Workload | AuthorizationPolicy | TrafficPolicy | RateLimitPolicy | FaultInjection | Canary
>;

export type ResourceKind = Resource['kind'];

/** The validated resource of one kind, for example `ResourceOf<'HTTPRoute'>`. */
export type ResourceOf<K extends ResourceKind> = Extract<Resource, { readonly kind: K }>;

export { type DeepReadonly };
