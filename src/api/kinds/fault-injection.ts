/**
 * `FaultInjection` (weft.dev/v1alpha1): delays and aborts for testing resilience, used from a route
 * rule by a Gateway API `ExtensionRef` filter (`group: weft.dev, kind: FaultInjection, name: ...`).
 */
import { ObjectMeta } from '../meta.js';
import { Duration, Percent, StrictObject, Type, type Static } from '../schema-kit.js';

export const FaultInjectionSpec = StrictObject(
  {
    delay: Type.Optional(
      StrictObject(
        {
          fixedDelay: Duration({ description: 'How long a delayed request waits before it is forwarded.' }),
          percentage: Type.Optional(Percent({ default: 100, description: 'Share of requests delayed, 0–100 (fractions allowed). Default 100.' })),
        },
        { description: 'Delays requests.' },
      ),
    ),
    abort: Type.Optional(
      StrictObject(
        {
          httpStatus: Type.Optional(Type.Integer({ minimum: 200, maximum: 599, description: 'Status answered instead of forwarding (HTTP).' })),
          grpcStatus: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, description: 'gRPC status answered instead of forwarding (gRPC).' })),
          percentage: Type.Optional(Percent({ default: 100, description: 'Share of requests aborted, 0–100 (fractions allowed). Default 100.' })),
        },
        { description: 'Answers some requests with an error; at least one of httpStatus and grpcStatus.', 'x-weft-check': 'abort-status' },
      ),
    ),
  },
  { description: 'At least one of delay and abort.', 'x-weft-check': 'delay-or-abort' },
);
export type FaultInjectionSpec = Static<typeof FaultInjectionSpec>;

export const FaultInjection = StrictObject(
  {
    apiVersion: Type.Literal('weft.dev/v1alpha1'),
    kind: Type.Literal('FaultInjection'),
    metadata: ObjectMeta,
    spec: FaultInjectionSpec,
  },
  { description: 'Delays and aborts injected by a route filter (ExtensionRef).' },
);
export type FaultInjection = Static<typeof FaultInjection>;
