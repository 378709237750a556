/**
 * `AuthorizationPolicy` (weft.dev/v1alpha1): the fields and evaluation semantics of Istio's
 * `security.istio.io/v1` AuthorizationPolicy, so manifests carry over. Evaluation: CUSTOM/DENY
 * before ALLOW; with any ALLOW policy on a workload, a request no ALLOW rule matches is denied;
 * AUDIT never changes the decision. The evaluation itself lives in `src/policy/`.
 */
import { PolicyTargetRef, WorkloadSelector, ObjectMeta } from '../meta.js';
import { PatternString, StrictObject, StringEnum, Type, type Static } from '../schema-kit.js';

// Principals: a SPIFFE ID (`spiffe://td/ns/x/sa/y`), Istio's form without the scheme
// (`td/ns/x/sa/y`), or "*" alone or as a prefix/suffix wildcard.
const principalPattern = '^(\\*|\\*?(spiffe://)?[^/*\\s]+/ns/[^/*\\s]+/sa/[^/*\\s]*\\*?|(spiffe://)?[^/*\\s]+/ns/[^/\\s]+/sa/\\*|\\*?/?ns/[^/*\\s]+/sa/[^/*\\s]+)$';
const Principal = PatternString(principalPattern, 'is not a SPIFFE ID or "*"', {
  description: 'A SPIFFE ID such as spiffe://cluster.local/ns/c/sa/app (the spiffe:// prefix may be left out), or "*"; "*" may also stand at the start or end.',
});
const StringList = (description: string) => Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description }));
const PrincipalList = (description: string) => Type.Optional(Type.Array(Principal, { description }));
const CidrList = (description: string) => Type.Optional(Type.Array(Type.String({ minLength: 1, 'x-weft-check': 'cidr' }), { description }));
const PortString = PatternString('^([1-9][0-9]{0,4})$', 'is not a port number', { description: 'A port number, as a string (as in Istio).' });

export const AuthorizationSource = StrictObject(
  {
    principals: PrincipalList('Caller identities (from the mTLS certificate) that match.'),
    notPrincipals: PrincipalList('Caller identities that must not match.'),
    namespaces: StringList("Callers' namespaces that match (from their identity)."),
    notNamespaces: StringList("Callers' namespaces that must not match."),
    ipBlocks: CidrList('Caller IP addresses or CIDR blocks that match.'),
    notIpBlocks: CidrList('Caller IP addresses or CIDR blocks that must not match.'),
    requestPrincipals: Type.Optional(
      Type.Array(Type.String(), { description: 'Not supported by Weft (no JWT authentication yet); refused when set.', 'x-weft-check': 'unsupported' }),
    ),
  },
  { description: 'Who is calling. All fields set must match.' },
);

export const AuthorizationOperation = StrictObject(
  {
    hosts: StringList('Host (authority) values that match; exact, "*.x" or "x*".'),
    notHosts: StringList('Host values that must not match.'),
    ports: Type.Optional(Type.Array(PortString, { description: 'Destination ports that match.' })),
    notPorts: Type.Optional(Type.Array(PortString, { description: 'Destination ports that must not match.' })),
    methods: StringList('HTTP methods that match (for gRPC always "POST").'),
    notMethods: StringList('HTTP methods that must not match.'),
    paths: StringList('Paths that match: exact, "/prefix*", "*suffix" or "*"; gRPC uses "/package.Service/Method".'),
    notPaths: StringList('Paths that must not match.'),
  },
  { description: 'What is called. All fields set must match. HTTP-only fields make a rule HTTP-only.' },
);

export const AuthorizationCondition = StrictObject(
  {
    key: Type.String({ minLength: 1, description: 'An attribute such as request.headers[x-user], source.principal, destination.port.' }),
    values: StringList('Values that match.'),
    notValues: StringList('Values that must not match.'),
  },
  { description: 'An extra condition on a request attribute.' },
);

export const AuthorizationRule = StrictObject(
  {
    from: Type.Optional(Type.Array(StrictObject({ source: AuthorizationSource }), { description: 'Sources; any one may match. Absent: any source.' })),
    to: Type.Optional(Type.Array(StrictObject({ operation: AuthorizationOperation }), { description: 'Operations; any one may match. Absent: any operation.' })),
    when: Type.Optional(Type.Array(AuthorizationCondition, { description: 'Conditions; all must match.' })),
  },
  { description: 'A rule matches when a source, an operation and all conditions match.' },
);

export const AuthorizationPolicySpec = StrictObject({
  // selector and targetRefs are mutually exclusive (as in Istio); checked in checks/authorization-policy.ts.
  selector: Type.Optional(WorkloadSelector),
  targetRefs: Type.Optional(Type.Array(PolicyTargetRef, { description: 'Attach to Services or Gateways instead of a selector.' })),
  action: StringEnum(['ALLOW', 'DENY', 'AUDIT'] as const, {
    default: 'ALLOW',
    description: 'What a matching rule does. Default ALLOW.',
  }),
  rules: Type.Optional(Type.Array(AuthorizationRule, {
    description: 'Rules; any one may match. Absent with ALLOW: matches nothing (denies all). An empty rule {} matches everything.',
  })),
});
export type AuthorizationPolicySpec = Static<typeof AuthorizationPolicySpec>;

export const AuthorizationPolicy = StrictObject({
  apiVersion: Type.Literal('weft.dev/v1alpha1'),
  kind: Type.Literal('AuthorizationPolicy'),
  metadata: ObjectMeta,
  spec: AuthorizationPolicySpec,
}, { description: 'Allows or denies requests to workloads by caller identity and operation.' });
export type AuthorizationPolicy = Static<typeof AuthorizationPolicy>;
export type AuthorizationRule = Static<typeof AuthorizationRule>;
export type AuthorizationSource = Static<typeof AuthorizationSource>;
export type AuthorizationOperation = Static<typeof AuthorizationOperation>;
export type AuthorizationCondition = Static<typeof AuthorizationCondition>;
