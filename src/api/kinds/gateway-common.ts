/**
 * Building blocks shared by Gateway API kinds (`gateway.networking.k8s.io/v1`), with the upstream
 * field names, defaults and limits, so that upstream manifests validate unchanged.
 */
import {
  Duration,
  IntegerEnum,
  PatternString,
  PortNumber,
  StrictObject,
  StringEnum,
  Type,
  dnsLabelPattern,
  dnsSubdomainPattern,
  type Static,
  type TSchema,
} from '../schema-kit.js';

export const gatewayApiVersion = 'gateway.networking.k8s.io/v1';
export const gatewayGroup = 'gateway.networking.k8s.io';

const groupPattern = '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const kindPattern = '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$';
// RFC 7230 token: what an HTTP header name may be.
const headerNamePattern = "^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$";

export function Group(options: { default?: string; description?: string } = {}) {
  return PatternString(groupPattern, 'is not an API group (a DNS name such as "gateway.networking.k8s.io", or "" for core)', { maxLength: 253, ...options });
}
export function Kind(options: { default?: string; description?: string } = {}) {
  return PatternString(kindPattern, 'is not a kind name (letters, digits and "-", starting with a letter)', { minLength: 1, maxLength: 63, ...options });
}
export const ObjectName = PatternString(dnsSubdomainPattern, 'is not a valid name (lower-case letters, digits, "-" and ".")', {
  minLength: 1,
  maxLength: 253,
  description: 'Name of the referent.',
});
export const ReferenceNamespace = PatternString(dnsLabelPattern, 'is not a valid namespace (lower-case letters, digits and "-")', {
  minLength: 1,
  maxLength: 63,
  description: "Namespace of the referent; the route's own namespace when absent.",
});
export const SectionName = PatternString(dnsLabelPattern, 'is not a section name (lower-case letters, digits and "-")', {
  minLength: 1,
  maxLength: 253,
});
export const Hostname = PatternString(
  '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  'is not a hostname (lower-case DNS name, optionally starting with "*.")',
  { minLength: 1, maxLength: 253 },
);
export const HeaderName = PatternString(headerNamePattern, 'is not an HTTP header name', { minLength: 1, maxLength: 256 });

/** Where a route attaches: a Gateway (ingress) or a Service (mesh routing, GAMMA). */
export const ParentReference = StrictObject(
  {
    group: Type.Optional(Group({ default: gatewayGroup, description: 'API group of the parent; "" for a Service. Default gateway.networking.k8s.io.' })),
    kind: Type.Optional(Kind({ default: 'Gateway', description: 'Gateway (ingress) or Service (mesh). Default Gateway.' })),
    namespace: Type.Optional(ReferenceNamespace),
    name: ObjectName,
    sectionName: Type.Optional(SectionName),
    port: Type.Optional(PortNumber({ description: 'Attach only to this port of the parent.' })),
  },
  { description: 'A parent the route attaches to.' },
);
export type ParentReference = Static<typeof ParentReference>;

/** A backend: by default a Service in the route's namespace, with the port to call. */
export const BackendObjectReference = {
  group: Type.Optional(Group({ default: '', description: 'API group of the backend; "" (core) for a Service. Default "".' })),
  kind: Type.Optional(Kind({ default: 'Service', description: 'Kind of the backend. Default Service.' })),
  name: ObjectName,
  namespace: Type.Optional(ReferenceNamespace),
  port: Type.Optional(PortNumber({ description: 'Port of the backend Service; required when the backend is a Service.' })),
};

export const LocalObjectReference = StrictObject(
  {
    group: Group({ description: 'API group of the extension, for example weft.dev.' }),
    kind: Kind({ description: 'Kind of the extension, for example FaultInjection.' }),
    name: ObjectName,
  },
  { description: "A resource in the route's namespace." },
);
export type LocalObjectReference = Static<typeof LocalObjectReference>;

export const HttpHeader = StrictObject({
  name: HeaderName,
  value: Type.String({ maxLength: 4096 }),
});

export const HeaderModifier = StrictObject(
  {
    set: Type.Optional(Type.Array(HttpHeader, { maxItems: 16, description: 'Headers to set, replacing any value.' })),
    add: Type.Optional(Type.Array(HttpHeader, { maxItems: 16, description: 'Headers to add to any existing value.' })),
    remove: Type.Optional(Type.Array(HeaderName, { maxItems: 16, description: 'Header names to remove.' })),
  },
  { description: 'Changes to headers.' },
);
export type HeaderModifier = Static<typeof HeaderModifier>;

export const StringMatchType = (description: string) =>
  StringEnum(['Exact', 'RegularExpression'] as const, { default: 'Exact', description: `${description} Default Exact.` });

export const HeaderMatch = StrictObject(
  {
    type: Type.Optional(StringMatchType('How the value is compared.')),
    name: HeaderName,
    value: Type.String({ maxLength: 4096 }),
  },
  { description: 'A header the request must carry.', 'x-weft-check': 'regex-match' },
);
export type HeaderMatch = Static<typeof HeaderMatch>;

export const RequestMirrorFilter = StrictObject(
  {
    backendRef: StrictObject(BackendObjectReference, { description: 'Where mirrored requests go; responses are ignored.' }),
    percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'Percentage of requests to mirror. Default: all.' })),
    fraction: Type.Optional(
      StrictObject({
        numerator: Type.Integer({ minimum: 0 }),
        denominator: Type.Optional(Type.Integer({ minimum: 1, default: 100, description: 'Default 100.' })),
      }),
    ),
  },
  { description: 'Sends a copy of each request to another backend.' },
);

/** A filter of one of the given types; the field named after the type carries its settings. */
export function RouteFilter<F extends Record<string, TSchema>, const T extends readonly string[]>(types: T, fields: F) {
  return StrictObject(
    {
      type: StringEnum(types, { description: 'Which filter this is; the matching field holds its settings.' }),
      ...fields,
    },
    { description: 'A filter applied to matching requests.', 'x-weft-check': 'filter-type' },
  );
}

/** Weights, filters and the backend itself, for HTTPRoute and GRPCRoute. */
export function BackendRef<F extends TSchema>(filter: F) {
  return StrictObject(
    {
      ...BackendObjectReference,
      weight: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 1000000, default: 1, description: 'Share of traffic relative to the other backends of the rule. Default 1.' }),
      ),
      filters: Type.Optional(Type.Array(filter, { maxItems: 16, description: 'Filters applied only for this backend.' })),
    },
    { description: 'A weighted backend.', 'x-weft-check': 'backend-port' },
  );
}

export const RedirectStatusCode = IntegerEnum([301, 302, 303, 307, 308] as const, { default: 302, description: 'Status code of the redirect. Default 302.' });

export const RouteTimeouts = StrictObject(
  {
    request: Type.Optional(Duration({ description: 'Time the gateway or proxy allows for the whole request, retries included. "0s" disables.' })),
    backendRequest: Type.Optional(Duration({ description: 'Time allowed for one request to a backend (one try); at most `request`.' })),
  },
  { description: 'Request timeouts (GEP-1742).' },
);
