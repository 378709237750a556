/** Gateway API `GRPCRoute` (gateway.networking.k8s.io/v1): routes gRPC calls by service and method. */
import { ObjectMeta } from '../meta.js';
import { PatternString, StrictObject, Type, type Static } from '../schema-kit.js';
import {
  BackendRef,
  HeaderMatch,
  HeaderModifier,
  Hostname,
  LocalObjectReference,
  ParentReference,
  RequestMirrorFilter,
  RouteFilter,
  StringMatchType,
  gatewayApiVersion,
} from './gateway-common.js';

export const GrpcMethodMatch = StrictObject(
  {
    type: Type.Optional(StringMatchType('How service and method are compared.')),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Fully-qualified service, for example helloworld.Greeter.' })),
    method: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Method name, for example SayHello.' })),
  },
  { description: 'Matches the gRPC service and method; at least one of them.', 'x-weft-check': 'grpc-method-match' },
);

export const GrpcRouteMatch = StrictObject(
  {
    method: Type.Optional(GrpcMethodMatch),
    headers: Type.Optional(Type.Array(HeaderMatch, { maxItems: 16, description: 'Metadata headers that must all match.' })),
  },
  { description: 'Conditions a call must all meet.' },
);
export type GrpcRouteMatch = Static<typeof GrpcRouteMatch>;

export const GrpcRouteFilter = RouteFilter(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef'] as const, {
  requestHeaderModifier: Type.Optional(HeaderModifier),
  responseHeaderModifier: Type.Optional(HeaderModifier),
  requestMirror: Type.Optional(RequestMirrorFilter),
  extensionRef: Type.Optional(LocalObjectReference),
});
export type GrpcRouteFilter = Static<typeof GrpcRouteFilter>;

export const GrpcBackendRef = BackendRef(GrpcRouteFilter);

export const GrpcRouteRule = StrictObject(
  {
    name: Type.Optional(PatternString('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', 'is not a rule name (lower-case letters, digits and "-")', { maxLength: 253 })),
    matches: Type.Optional(Type.Array(GrpcRouteMatch, { maxItems: 64, description: 'Any one may match. Absent: every call.' })),
    filters: Type.Optional(Type.Array(GrpcRouteFilter, { maxItems: 16 })),
    backendRefs: Type.Optional(Type.Array(GrpcBackendRef, { maxItems: 16, description: 'Where matching calls go, split by weight.' })),
  },
  { description: 'Matches, filters and backends.' },
);
export type GrpcRouteRule = Static<typeof GrpcRouteRule>;

export const GrpcRouteSpec = StrictObject({
  parentRefs: Type.Optional(Type.Array(ParentReference, { maxItems: 32, description: 'Gateways or Services the route attaches to.' })),
  hostnames: Type.Optional(Type.Array(Hostname, { maxItems: 16 })),
  rules: Type.Optional(Type.Array(GrpcRouteRule, { maxItems: 16, default: [{}], description: 'Rules. Default: one rule matching every call.' })),
});
export type GrpcRouteSpec = Static<typeof GrpcRouteSpec>;

export const GrpcRoute = StrictObject(
  {
    apiVersion: Type.Literal(gatewayApiVersion),
    kind: Type.Literal('GRPCRoute'),
    metadata: ObjectMeta,
    spec: GrpcRouteSpec,
    status: Type.Optional(Type.Unknown({ description: 'Written by controllers; ignored.' })),
  },
  { description: 'Routes gRPC calls to backends.' },
);
export type GrpcRoute = Static<typeof GrpcRoute>;
