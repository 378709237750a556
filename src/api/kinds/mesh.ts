/** `Mesh` (weft.dev/v1alpha1): mesh-wide settings. One per mesh; cluster-scoped. */
import { ClusterObjectMeta } from '../meta.js';
import { Duration, PatternString, StrictObject, StringEnum, Type, dnsSubdomainPattern, type Static } from '../schema-kit.js';

export const MeshSpec = StrictObject({
  trustDomain: PatternString(dnsSubdomainPattern, 'is not a trust domain (a DNS name such as "cluster.local")', {
    default: 'cluster.local',
    description: 'The SPIFFE trust domain of every identity in the mesh. Default cluster.local.',
  }),
  mtls: StrictObject(
    {
      mode: StringEnum(['STRICT', 'PERMISSIVE'] as const, {
        default: 'STRICT',
        description: 'STRICT refuses plaintext to meshed ports; PERMISSIVE accepts it, marked unauthenticated. Default STRICT.',
      }),
    },
    { default: {}, description: 'Mutual TLS between workloads. Default: mode STRICT.' },
  ),
  defaultAction: StringEnum(['ALLOW', 'DENY'] as const, {
    default: 'ALLOW',
    description: 'What happens to a request no AuthorizationPolicy decides. Default ALLOW.',
  }),
  certificateLifetime: Duration({ default: '24h', description: 'Lifetime of workload certificates; renewed at two-thirds. Default 24h.' }),
});
export type MeshSpec = Static<typeof MeshSpec>;

export const Mesh = StrictObject({
  apiVersion: Type.Literal('weft.dev/v1alpha1'),
  kind: Type.Literal('Mesh'),
  metadata: ClusterObjectMeta,
  spec: MeshSpec,
}, { description: 'Mesh-wide settings: trust domain, mutual TLS mode, default authorization action, certificate lifetime.' });
export type Mesh = Static<typeof Mesh>;
