/**
 * The shape of a proxy snapshot (see `proxy-snapshot.ts`), checked by hand: types, ranges, required
 * and unknown fields, with defaults filled in. The cross-field checks are in `parse-proxy-snapshot.ts`.
 */
import { checkAuthorizationPolicySpec } from './check-authorization-spec.js';
import { arrayOf, boolean, integer, oneOf, string, strictObject, stringMap, type Check, type FieldRule } from './field-checker.js';

const spiffe = string({ pattern: /^spiffe:\/\/[^/\s]+\/ns\/[^/\s]+\/sa\/[^/\s]+$/u, patternMessage: 'is not a SPIFFE ID (spiffe://<td>/ns/<ns>/sa/<sa>)' });
const port = integer(1, 65535);
const name = string({ minLength: 1, maxLength: 253 });
const address = string({ minLength: 1, maxLength: 255 });
const protocol = oneOf(['http', 'http2', 'grpc', 'tcp', 'detect']);

const required = (check: Check): FieldRule => ({ check });
const optional = (check: Check): FieldRule => ({ check, optional: true });
const withDefault = (check: Check, fallback: () => unknown): FieldRule => ({ check, fallback });
const emptyList = (): unknown[] => [];

const endpoint = strictObject({
  address: required(address),
  port: required(port),
  identity: required(spiffe),
  zone: optional(string()),
  labels: optional(stringMap),
  ready: withDefault(boolean, () => true),
});

const outboundService = strictObject({
  name: required(name),
  namespace: required(name),
  port: required(port),
  protocol: required(protocol),
  vip: optional(address),
  hosts: withDefault(arrayOf(string({ minLength: 1 })), emptyList),
  listenPort: optional(port),
  listenAddress: optional(address),
  identities: required(arrayOf(spiffe)),
  endpoints: required(arrayOf(endpoint)),
});

const inboundPort = strictObject({
  port: required(port),
  protocol: required(protocol),
  appAddress: optional(address),
  listenPort: optional(port),
  listenAddress: optional(address),
});

const inboundPolicy = strictObject({ name: required(name), namespace: required(name), spec: required(checkAuthorizationPolicySpec) });

/** Checks a decoded snapshot in place (filling defaults); passing means it has the `ProxySnapshot` shape. */
export const checkProxySnapshotShape: Check = strictObject({
  version: required(string({ minLength: 1 })),
  workload: required(strictObject({
    name: required(name),
    namespace: required(name),
    serviceAccount: required(name),
    spiffeId: required(spiffe),
    labels: withDefault(stringMap, () => ({})),
    zone: optional(string()),
  })),
  mesh: required(strictObject({
    trustDomain: required(string({ minLength: 1 })),
    mtlsMode: required(oneOf(['STRICT', 'PERMISSIVE'])),
    defaultAction: withDefault(oneOf(['ALLOW', 'DENY']), () => 'ALLOW'),
  })),
  inbound: required(strictObject({
    ports: withDefault(arrayOf(inboundPort), emptyList),
    policies: withDefault(arrayOf(inboundPolicy), emptyList),
    accessLog: withDefault(boolean, () => false),
  })),
  outbound: required(strictObject({
    services: withDefault(arrayOf(outboundService), emptyList),
    accessLog: withDefault(boolean, () => false),
  })),
});
