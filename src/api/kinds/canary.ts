/**
 * `Canary` (weft.dev/v1alpha1): progressive delivery for a Service. The controller keeps an
 * HTTPRoute splitting the Service's traffic between the `stable` and `canary` backends (two
 * Services), moves through `steps` every `interval` while the `analysis` thresholds hold, and
 * rolls back to stable when they fail `failureLimit` times. With `match`, only requests that
 * match (A/B testing) go to the canary.
 */
import { ObjectMeta } from '../meta.js';
import { Duration, NonEmptyString, Percent, PortNumber, StrictObject, StringEnum, StringMap, Type, type Static } from '../schema-kit.js';
import { HeaderMatch, ObjectName } from './gateway-common.js';

export const CanaryBackend = StrictObject(
  {
    name: ObjectName,
    port: Type.Optional(PortNumber({ description: 'Port of the Service; default the target port.' })),
  },
  { description: "A Service in the Canary's namespace." },
);

export const CanaryStep = StrictObject(
  {
    weight: Percent({ description: 'Percentage of traffic sent to the canary at this step.' }),
    pause: Type.Optional(Duration({ description: 'Extra time to hold this step before the next; default one interval.' })),
  },
  { description: 'One step of the rollout.' },
);

export const CanaryWebhook = StrictObject(
  {
    name: NonEmptyString({ maxLength: 63 }),
    type: StringEnum(['pre-rollout', 'rollout', 'confirm-promotion', 'post-rollout', 'rollback'] as const, {
      description: 'When it is called: before the first step, before each step, before promotion, after the end, or on rollback.',
    }),
    url: Type.String({ minLength: 1, description: 'An http:// or https:// URL; a non-2xx answer halts (pre-rollout, rollout, confirm-promotion).', 'x-weft-check': 'http-url' }),
    timeout: Type.Optional(Duration({ default: '10s', description: 'Default 10s.' })),
    metadata: Type.Optional(StringMap({ description: 'Sent in the JSON body.' })),
  },
  { description: 'An HTTP call the controller makes during the rollout.' },
);

export const CanaryAnalysis = StrictObject(
  {
    minSuccessRate: Type.Optional(Percent({ default: 99, description: 'Lowest acceptable success rate (non-5xx) of the canary, in percent. Default 99.' })),
    maxLatencyP99: Type.Optional(Duration({ default: '500ms', description: 'Highest acceptable 99th percentile latency of the canary. Default 500ms.' })),
    minRequests: Type.Optional(Type.Integer({ minimum: 0, default: 20, description: 'Requests the canary must see in an interval for it to be judged. Default 20.' })),
    failureLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 2, description: 'Failed checks before rollback. Default 2.' })),
  },
  { default: {}, description: 'Metric thresholds checked every interval. Default: every threshold at its default.' },
);

export const CanarySpec = StrictObject({
  service: ObjectName,
  port: Type.Optional(PortNumber({ description: 'Port of the target Service the rollout applies to; default all its ports.' })),
  stable: CanaryBackend,
  canary: CanaryBackend,
  steps: Type.Array(CanaryStep, { minItems: 1, maxItems: 100, description: 'Weights, rising; after the last step the canary is promoted.' }),
  interval: Type.Optional(Duration({ default: '1m', description: 'Time between checks and steps. Default 1m.' })),
  analysis: Type.Optional(CanaryAnalysis),
  match: Type.Optional(
    Type.Array(StrictObject({ headers: Type.Array(HeaderMatch, { minItems: 1, maxItems: 16 }) }), {
      maxItems: 16,
      description: 'A/B testing: only requests matching one of these go to the canary (then step weights apply to them).',
    }),
  ),
  webhooks: Type.Optional(Type.Array(CanaryWebhook, { maxItems: 16 })),
});
export type CanarySpec = Static<typeof CanarySpec>;

export const Canary = StrictObject(
  {
    apiVersion: Type.Literal('weft.dev/v1alpha1'),
    kind: Type.Literal('Canary'),
    metadata: ObjectMeta,
    spec: CanarySpec,
  },
  { description: 'Progressive delivery: shifts traffic from a stable to a canary Service while metrics hold.' },
);
export type Canary = Static<typeof Canary>;
