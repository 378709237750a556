/**
 * Gateway API `HTTPRoute` (gateway.networking.k8s.io/v1): attached to a Gateway (ingress) or to a
 * Service (mesh routing). Field names, defaults and limits follow upstream, including `timeouts`
 * (GEP-1742) and `retry` (GEP-1731). Match precedence is Gateway API's; it lives in `src/policy/`.
 */
import { ObjectMeta } from '../meta.js';
import { Duration, NonEmptyString, PatternString, PortNumber, StrictObject, StringEnum, Type, type Static } from '../schema-kit.js';
import {
  BackendRef,
  HeaderMatch,
  HeaderModifier,
  Hostname,
  LocalObjectReference,
  ParentReference,
  RedirectStatusCode,
  RequestMirrorFilter,
  RouteFilter,
  RouteTimeouts,
  StringMatchType,
  gatewayApiVersion,
} from './gateway-common.js';

export const HttpPathMatch = StrictObject(
  {
    type: Type.Optional(
      StringEnum(['Exact', 'PathPrefix', 'RegularExpression'] as const, { default: 'PathPrefix', description: 'How the path is compared. Default PathPrefix.' }),
    ),
    value: Type.Optional(Type.String({ maxLength: 1024, default: '/', description: 'The path, starting with "/", or a regular expression. Default "/".' })),
  },
  { description: 'Matches the request path.', 'x-weft-check': 'path-match' },
);

export const HttpQueryParamMatch = StrictObject(
  {
    type: Type.Optional(StringMatchType('How the value is compared.')),
    name: NonEmptyString({ maxLength: 256 }),
    value: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { description: 'A query parameter the request must carry.', 'x-weft-check': 'regex-match' },
);

export const HttpMethod = StringEnum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const, {
  description: 'The HTTP method.',
});

export const HttpRouteMatch = StrictObject(
  {
    path: Type.Optional(HttpPathMatch),
    headers: Type.Optional(Type.Array(HeaderMatch, { maxItems: 16, description: 'Headers that must all match.' })),
    queryParams: Type.Optional(Type.Array(HttpQueryParamMatch, { maxItems: 16, description: 'Query parameters that must all match.' })),
    method: Type.Optional(HttpMethod),
  },
  { description: 'Conditions a request must all meet.' },
);
export type HttpRouteMatch = Static<typeof HttpRouteMatch>;

export const HttpPathModifier = StrictObject(
  {
    type: StringEnum(['ReplaceFullPath', 'ReplacePrefixMatch'] as const, { description: 'Replace the whole path, or only the prefix the rule matched.' }),
    replaceFullPath: Type.Optional(PatternString('^/', 'must start with "/"', { maxLength: 1024 })),
    replacePrefixMatch: Type.Optional(PatternString('^/', 'must start with "/"', { maxLength: 1024 })),
  },
  { description: 'How the path is rewritten.', 'x-weft-check': 'path-modifier' },
);

const httpFilterFields = {
  requestHeaderModifier: Type.Optional(HeaderModifier),
  responseHeaderModifier: Type.Optional(HeaderModifier),
  requestMirror: Type.Optional(RequestMirrorFilter),
  requestRedirect: Type.Optional(
    StrictObject(
      {
        scheme: Type.Optional(StringEnum(['http', 'https'] as const)),
        hostname: Type.Optional(Hostname),
        path: Type.Optional(HttpPathModifier),
        port: Type.Optional(PortNumber()),
        statusCode: Type.Optional(RedirectStatusCode),
      },
      { description: 'Answers with a redirect instead of forwarding.' },
    ),
  ),
  urlRewrite: Type.Optional(
    StrictObject(
      { hostname: Type.Optional(Hostname), path: Type.Optional(HttpPathModifier) },
      { description: 'Rewrites the host and path before forwarding.' },
    ),
  ),
  extensionRef: Type.Optional(LocalObjectReference),
};

export const HttpRouteFilter = RouteFilter(
  ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'RequestRedirect', 'URLRewrite', 'ExtensionRef'] as const,
  httpFilterFields,
);
export type HttpRouteFilter = Static<typeof HttpRouteFilter>;

export const HttpBackendRef = BackendRef(HttpRouteFilter);
export type HttpBackendRef = Static<typeof HttpBackendRef>;

export const HttpRouteRetry = StrictObject(
  {
    codes: Type.Optional(
      Type.Array(Type.Integer({ minimum: 400, maximum: 599 }), { description: 'HTTP status codes that are retried (4xx and 5xx). Absent: the implementation\'s set (502, 503, 504).' }),
    ),
    attempts: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'Maximum number of retries (not counting the first try).' })),
    backoff: Type.Optional(Duration({ description: 'Minimum time between tries.' })),
  },
  { description: 'Retries of failed requests (GEP-1731). Connection errors are retried too.' },
);

export const HttpRouteRule = StrictObject(
  {
    name: Type.Optional(PatternString('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', 'is not a rule name (lower-case letters, digits and "-")', { maxLength: 253 })),
    matches: Type.Optional(
      Type.Array(HttpRouteMatch, {
        maxItems: 64,
        default: [{ path: { type: 'PathPrefix', value: '/' } }],
        description: 'Any one may match. Default: path prefix "/" (everything).',
      }),
    ),
    filters: Type.Optional(Type.Array(HttpRouteFilter, { maxItems: 16, description: 'Filters applied to matching requests, in order.' })),
    backendRefs: Type.Optional(Type.Array(HttpBackendRef, { maxItems: 16, description: 'Where matching requests go, split by weight.' })),
    timeouts: Type.Optional(RouteTimeouts),
    retry: Type.Optional(HttpRouteRetry),
  },
  { description: 'Matches, filters and backends.' },
);
export type HttpRouteRule = Static<typeof HttpRouteRule>;

export const HttpRouteSpec = StrictObject({
  parentRefs: Type.Optional(Type.Array(ParentReference, { maxItems: 32, description: 'Gateways or Services the route attaches to.' })),
  hostnames: Type.Optional(Type.Array(Hostname, { maxItems: 16, description: 'Host headers the route serves; absent: any.' })),
  rules: Type.Optional(
    Type.Array(HttpRouteRule, {
      maxItems: 16,
      default: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
      description: 'Rules. Default: one rule matching everything.',
    }),
  ),
});
export type HttpRouteSpec = Static<typeof HttpRouteSpec>;

export const HttpRoute = StrictObject(
  {
    apiVersion: Type.Literal(gatewayApiVersion),
    kind: Type.Literal('HTTPRoute'),
    metadata: ObjectMeta,
    spec: HttpRouteSpec,
    status: Type.Optional(Type.Unknown({ description: 'Written by controllers; ignored.' })),
  },
  { description: 'Routes HTTP requests to backends.' },
);
export type HttpRoute = Static<typeof HttpRoute>;
