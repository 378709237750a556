/**
 * `TrafficPolicy` (weft.dev/v1alpha1): how callers treat a Service (policy attachment by
 * `targetRefs`): load balancing and locality, connection pool limits, outlier detection, and the
 * default retries and timeouts (a route's own `retry`/`timeouts` win). Each section gets its
 * defaults once it is written; an absent section means Weft's built-in behaviour.
 */
import { ObjectMeta, PolicyTargetRef } from '../meta.js';
import { Duration, Percent, StrictObject, StringEnum, Type, type Static } from '../schema-kit.js';

export const LoadBalancer = StrictObject(
  {
    algorithm: Type.Optional(
      StringEnum(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'] as const, {
        default: 'LEAST_REQUEST',
        description: 'How an endpoint is picked. LEAST_REQUEST picks the less busy of two random endpoints. Default LEAST_REQUEST.',
      }),
    ),
    locality: Type.Optional(
      StrictObject(
        {
          enabled: Type.Optional(Type.Boolean({ default: true, description: 'Prefer endpoints in the caller\'s zone. Default true.' })),
          minHealthyPercent: Type.Optional(
            Percent({ default: 70, description: 'Spill over to other zones when fewer than this percentage of local endpoints are healthy. Default 70.' }),
          ),
        },
        { description: 'Locality-aware load balancing by Workload zone.' },
      ),
    ),
  },
  { description: 'Load balancing.' },
);

export const ConnectionPool = StrictObject(
  {
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, default: 1024, description: 'Most connections to the Service from one proxy. Default 1024.' })),
    connectTimeout: Type.Optional(Duration({ default: '10s', description: 'Time to establish a connection. Default 10s.' })),
    maxPendingRequests: Type.Optional(Type.Integer({ minimum: 1, default: 1024, description: 'Most requests waiting for a connection. Default 1024.' })),
    maxRequestsPerConnection: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Requests before a connection is closed; 0 is unlimited. Default 0.' })),
    idleTimeout: Type.Optional(Duration({ default: '1h', description: 'Close a connection idle this long. Default 1h.' })),
  },
  { description: 'Connection pool limits (a circuit breaker: over the limits, requests fail fast with 503).' },
);

export const OutlierDetection = StrictObject(
  {
    consecutive5xxErrors: Type.Optional(Type.Integer({ minimum: 0, default: 5, description: 'Eject an endpoint after this many 5xx in a row; 0 disables. Default 5.' })),
    consecutiveGatewayErrors: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Eject after this many 502/503/504 or connection errors in a row; 0 disables. Default 0.' })),
    interval: Type.Optional(Duration({ default: '10s', description: 'How often ejections are reviewed. Default 10s.' })),
    baseEjectionTime: Type.Optional(Duration({ default: '30s', description: 'Ejection time, multiplied by the number of ejections. Default 30s.' })),
    maxEjectionPercent: Type.Optional(Percent({ default: 10, description: 'Most endpoints that may be ejected at once, in percent. Default 10.' })),
  },
  { description: 'Takes failing endpoints out of the load-balancing set for a while.' },
);

export const TrafficPolicyRetries = StrictObject(
  {
    attempts: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 2, description: 'Retries after the first try. Default 2.' })),
    codes: Type.Optional(
      Type.Array(Type.Integer({ minimum: 400, maximum: 599 }), { default: [502, 503, 504], description: 'Status codes retried. Default 502, 503, 504.' }),
    ),
    backoff: Type.Optional(Duration({ default: '25ms', description: 'Minimum time between tries (with jitter). Default 25ms.' })),
    perTryTimeout: Type.Optional(Duration({ description: 'Time allowed for one try; absent: only the request timeout applies.' })),
  },
  { description: 'Default retries for requests to the Service.' },
);

export const TrafficPolicyTimeouts = StrictObject(
  {
    request: Type.Optional(Duration({ default: '15s', description: 'Time allowed for a whole request, retries included; "0s" disables. Default 15s.' })),
    idle: Type.Optional(Duration({ default: '1h', description: 'Close a stream or TCP connection idle this long. Default 1h.' })),
  },
  { description: 'Default timeouts for requests to the Service.' },
);

export const TrafficPolicySpec = StrictObject({
  targetRefs: Type.Array(PolicyTargetRef, { minItems: 1, maxItems: 16, description: 'The Services (group "", kind Service) the policy applies to.' }),
  loadBalancer: Type.Optional(LoadBalancer),
  connectionPool: Type.Optional(ConnectionPool),
  outlierDetection: Type.Optional(OutlierDetection),
  retries: Type.Optional(TrafficPolicyRetries),
  timeouts: Type.Optional(TrafficPolicyTimeouts),
});
export type TrafficPolicySpec = Static<typeof TrafficPolicySpec>;

export const TrafficPolicy = StrictObject(
  {
    apiVersion: Type.Literal('weft.dev/v1alpha1'),
    kind: Type.Literal('TrafficPolicy'),
    metadata: ObjectMeta,
    spec: TrafficPolicySpec,
  },
  { description: 'How callers treat a Service: load balancing, connection limits, outlier detection, default retries and timeouts.' },
);
export type TrafficPolicy = Static<typeof TrafficPolicy>;
