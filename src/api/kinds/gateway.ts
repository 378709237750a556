/** Gateway API `Gateway` (gateway.networking.k8s.io/v1): an ingress point with listeners. */
import { ObjectMeta, WorkloadSelector } from '../meta.js';
import { StrictObject, StringEnum, StringMap, Type, PortNumber, NonEmptyString, type Static } from '../schema-kit.js';
import { Group, Hostname, Kind, ObjectName, ReferenceNamespace, SectionName, gatewayApiVersion } from './gateway-common.js';

export const GatewayTls = StrictObject(
  {
    mode: Type.Optional(StringEnum(['Terminate', 'Passthrough'] as const, { default: 'Terminate', description: 'Terminate TLS at the gateway, or pass it through. Default Terminate.' })),
    certificateRefs: Type.Optional(
      Type.Array(
        StrictObject({
          group: Type.Optional(Group({ default: '', description: 'Default "" (core).' })),
          kind: Type.Optional(Kind({ default: 'Secret', description: 'Default Secret.' })),
          name: ObjectName,
          namespace: Type.Optional(ReferenceNamespace),
        }),
        { maxItems: 64, description: 'Certificates and keys the listener serves.' },
      ),
    ),
    options: Type.Optional(StringMap({ description: 'Implementation-specific TLS options.' })),
  },
  { description: 'TLS settings of the listener.' },
);

export const Listener = StrictObject(
  {
    name: SectionName,
    hostname: Type.Optional(Hostname),
    port: PortNumber({ description: 'Port the gateway listens on.' }),
    protocol: StringEnum(['HTTP', 'HTTPS', 'TLS', 'TCP'] as const, { description: 'Protocol the listener accepts.' }),
    tls: Type.Optional(GatewayTls),
    allowedRoutes: Type.Optional(
      StrictObject(
        {
          namespaces: Type.Optional(
            StrictObject(
              {
                from: Type.Optional(StringEnum(['All', 'Same', 'Selector'] as const, { default: 'Same', description: 'Which namespaces may attach routes. Default Same.' })),
                selector: Type.Optional(WorkloadSelector),
              },
              { default: { from: 'Same' }, description: 'Namespaces whose routes may attach. Default: the same namespace.' },
            ),
          ),
          kinds: Type.Optional(Type.Array(StrictObject({ group: Type.Optional(Group()), kind: Kind() }), { maxItems: 8 })),
        },
        { default: { namespaces: { from: 'Same' } }, description: 'Which routes may attach. Default: routes in the same namespace.' },
      ),
    ),
  },
  { description: 'A port and protocol the gateway accepts traffic on.' },
);
export type Listener = Static<typeof Listener>;

export const GatewaySpec = StrictObject({
  gatewayClassName: NonEmptyString({ maxLength: 253, description: 'The GatewayClass; Weft serves the class "weft".' }),
  listeners: Type.Array(Listener, { minItems: 1, maxItems: 64, description: 'Listeners; names and port/protocol/hostname combinations must be unique.' }),
  addresses: Type.Optional(
    Type.Array(
      StrictObject({
        type: Type.Optional(StringEnum(['IPAddress', 'Hostname'] as const, { default: 'IPAddress', description: 'Default IPAddress.' })),
        value: NonEmptyString({ maxLength: 253 }),
      }),
      { maxItems: 16, description: 'Addresses requested for the gateway.' },
    ),
  ),
});
export type GatewaySpec = Static<typeof GatewaySpec>;

export const Gateway = StrictObject(
  {
    apiVersion: Type.Literal(gatewayApiVersion),
    kind: Type.Literal('Gateway'),
    metadata: ObjectMeta,
    spec: GatewaySpec,
    status: Type.Optional(Type.Unknown({ description: 'Written by controllers; ignored.' })),
  },
  { description: 'An ingress gateway and its listeners.' },
);
export type Gateway = Static<typeof Gateway>;
