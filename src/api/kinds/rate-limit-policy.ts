/**
 * `RateLimitPolicy` (weft.dev/v1alpha1): local token-bucket limits, enforced by each receiving proxy
 * (inbound) for the Services or Gateways it targets. A limit holds `requests` tokens, refilled every
 * `interval`; `burst` tokens may be spent at once. Buckets are per `key`.
 */
import { ObjectMeta, PolicyTargetRef } from '../meta.js';
import { Duration, NonEmptyString, StrictObject, StringEnum, Type, type Static } from '../schema-kit.js';
import { HeaderMatch } from './gateway-common.js';
import { HttpMethod, HttpPathMatch } from './http-route.js';

export const RateLimit = StrictObject(
  {
    name: Type.Optional(NonEmptyString({ maxLength: 63, description: 'Shown in metrics and in the response header x-weft-ratelimit.' })),
    requests: Type.Integer({ minimum: 1, maximum: 1000000000, description: 'Requests allowed per interval.' }),
    interval: Type.Optional(Duration({ default: '1s', description: 'The refill interval. Default 1s.' })),
    burst: Type.Optional(Type.Integer({ minimum: 1, description: 'Size of the bucket; absent: the same as requests.' })),
    key: Type.Optional(
      StringEnum(['global', 'sourcePrincipal', 'sourceAddress', 'header'] as const, {
        default: 'global',
        description: 'One bucket for all (global), or per caller identity, per caller address, or per value of `header`. Default global.',
      }),
    ),
    header: Type.Optional(NonEmptyString({ maxLength: 256, description: 'Header whose value keys the bucket; required when key is "header".' })),
    matches: Type.Optional(
      Type.Array(
        StrictObject({
          path: Type.Optional(HttpPathMatch),
          method: Type.Optional(HttpMethod),
          headers: Type.Optional(Type.Array(HeaderMatch, { maxItems: 16 })),
        }),
        { maxItems: 16, description: 'Requests the limit counts; any one may match. Absent: all requests.' },
      ),
    ),
  },
  { description: 'A token bucket.', 'x-weft-check': 'rate-limit-key' },
);
export type RateLimit = Static<typeof RateLimit>;

export const RateLimitPolicySpec = StrictObject({
  targetRefs: Type.Array(PolicyTargetRef, { minItems: 1, maxItems: 16, description: 'Services or Gateways the limits apply to.' }),
  limits: Type.Array(RateLimit, { minItems: 1, maxItems: 32, description: 'Limits; a request must fit every limit that counts it.' }),
  statusCode: Type.Optional(Type.Integer({ minimum: 400, maximum: 599, default: 429, description: 'Status of a limited request. Default 429.' })),
});
export type RateLimitPolicySpec = Static<typeof RateLimitPolicySpec>;

export const RateLimitPolicy = StrictObject(
  {
    apiVersion: Type.Literal('weft.dev/v1alpha1'),
    kind: Type.Literal('RateLimitPolicy'),
    metadata: ObjectMeta,
    spec: RateLimitPolicySpec,
  },
  { description: 'Local rate limits for a Service or Gateway.' },
);
export type RateLimitPolicy = Static<typeof RateLimitPolicy>;
