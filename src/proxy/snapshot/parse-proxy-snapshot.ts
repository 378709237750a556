/**
 * The boundary where a proxy snapshot document (JSON or YAML text, or an already-decoded value) becomes
 * a validated, deeply frozen `ProxySnapshot`. Every problem is collected with its field path; nothing
 * downstream sees the raw object.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { AuthorizationPolicySpec } from '../../api/kinds/authorization-policy.js';
import { StrictObject, StringEnum, StringMap, Type, type Static } from '../../api/schema-kit.js';
import { weftError, type WeftError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import type { ProxySnapshot } from './proxy-snapshot.js';

const spiffePattern = '^spiffe://[^/\\s]+/ns/[^/\\s]+/sa/[^/\\s]+$';
const Spiffe = Type.String({ pattern: spiffePattern, 'x-weft-message': 'is not a SPIFFE ID (spiffe://<td>/ns/<ns>/sa/<sa>)' });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Name = Type.String({ minLength: 1, maxLength: 253 });
const Address = Type.String({ minLength: 1, maxLength: 255 });
const Protocol = StringEnum(['http', 'http2', 'grpc', 'tcp', 'detect'] as const);

const EndpointSchema = StrictObject({
  address: Address,
  port: Port,
  identity: Spiffe,
  zone: Type.Optional(Type.String()),
  labels: Type.Optional(StringMap()),
  ready: Type.Boolean({ default: true }),
});

const OutboundServiceSchema = StrictObject({
  name: Name,
  namespace: Name,
  port: Port,
  protocol: Protocol,
  vip: Type.Optional(Address),
  hosts: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  listenPort: Type.Optional(Port),
  listenAddress: Type.Optional(Address),
  identities: Type.Array(Spiffe),
  endpoints: Type.Array(EndpointSchema),
});

const InboundPortSchema = StrictObject({
  port: Port,
  protocol: Protocol,
  appAddress: Type.Optional(Address),
  listenPort: Type.Optional(Port),
  listenAddress: Type.Optional(Address),
});

const InboundPolicySchema = StrictObject({ name: Name, namespace: Name, spec: AuthorizationPolicySpec });

export const ProxySnapshotSchema = StrictObject({
  version: Type.String({ minLength: 1 }),
  workload: StrictObject({
    name: Name,
    namespace: Name,
    serviceAccount: Name,
    spiffeId: Spiffe,
    labels: StringMap({ default: {} }),
    zone: Type.Optional(Type.String()),
  }),
  mesh: StrictObject({
    trustDomain: Type.String({ minLength: 1 }),
    mtlsMode: StringEnum(['STRICT', 'PERMISSIVE'] as const),
    defaultAction: StringEnum(['ALLOW', 'DENY'] as const, { default: 'ALLOW' }),
  }),
  inbound: StrictObject({
    ports: Type.Array(InboundPortSchema, { default: [] }),
    policies: Type.Array(InboundPolicySchema, { default: [] }),
    accessLog: Type.Boolean({ default: false }),
  }),
  outbound: StrictObject({
    services: Type.Array(OutboundServiceSchema, { default: [] }),
    accessLog: Type.Boolean({ default: false }),
  }),
});

// The schema and the hand-written contract type must agree; this fails to compile when they drift.
type SchemaSnapshot = Static<typeof ProxySnapshotSchema>;
const _schemaMatchesType = (s: SchemaSnapshot): ProxySnapshot => s;
void _schemaMatchesType;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const validate = ajv.compile<SchemaSnapshot>(ProxySnapshotSchema);

function describe(e: ErrorObject): string {
  const custom = (e.parentSchema as Record<string, unknown> | undefined)?.['x-weft-message'];
  if (e.keyword === 'pattern' && typeof custom === 'string') return custom;
  if (e.keyword === 'additionalProperties') return `has an unknown field "${String(e.params['additionalProperty'])}"`;
  if (e.keyword === 'required') return `is missing the field "${String(e.params['missingProperty'])}"`;
  return e.message ?? 'is invalid';
}

function pathOf(instancePath: string): string {
  if (instancePath === '') return '(document)';
  return instancePath.slice(1).split('/').map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
}

/** Checks the schema cannot express: unique ports and addresses, consistent identities. */
function semanticProblems(s: SchemaSnapshot): WeftError[] {
  const out: WeftError[] = [];
  const seenIn = new Set<number>();
  const listen = new Map<string, string>();
  const claim = (addr: string, port: number, where: string): void => {
    const key = `${addr}:${port}`;
    const prev = listen.get(key);
    if (prev !== undefined) out.push(weftError('WEFT_CONFIG_INVALID', `listens on ${key}, which ${prev} already uses`, where));
    else listen.set(key, where);
  };
  s.inbound.ports.forEach((p, i) => {
    const where = `inbound.ports[${i}]`;
    if (seenIn.has(p.port)) out.push(weftError('WEFT_CONFIG_INVALID', `port ${p.port} is listed twice`, `${where}.port`));
    seenIn.add(p.port);
    if (p.listenPort !== undefined) claim(p.listenAddress ?? '0.0.0.0', p.listenPort, `${where}.listenPort`);
  });
  const vips = new Set<string>();
  s.outbound.services.forEach((svc, i) => {
    const where = `outbound.services[${i}]`;
    if (svc.vip !== undefined) {
      const key = `${svc.vip}:${svc.port}`;
      if (vips.has(key)) out.push(weftError('WEFT_CONFIG_INVALID', `virtual address ${key} belongs to two services`, `${where}.vip`));
      vips.add(key);
    }
    if (svc.listenPort !== undefined) claim(svc.listenAddress ?? '127.0.0.1', svc.listenPort, `${where}.listenPort`);
    svc.endpoints.forEach((ep, j) => {
      if (!svc.identities.includes(ep.identity)) {
        out.push(weftError('WEFT_CONFIG_INVALID', `identity ${ep.identity} is not one of the service's identities`, `${where}.endpoints[${j}].identity`));
      }
    });
  });
  const td = `spiffe://${s.mesh.trustDomain}/`;
  if (!s.workload.spiffeId.startsWith(td)) {
    out.push(weftError('WEFT_CONFIG_INVALID', `is not in the trust domain ${s.mesh.trustDomain}`, 'workload.spiffeId'));
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validates a decoded document. On success the snapshot is a fresh, deeply frozen copy. */
export function parseProxySnapshotValue(value: unknown, source = 'snapshot'): Result<ProxySnapshot, readonly WeftError[]> {
  const copy: unknown = structuredClone(value);
  if (!validate(copy)) {
    const problems = (validate.errors ?? []).map((e) => weftError('WEFT_CONFIG_INVALID', describe(e), `${source}: ${pathOf(e.instancePath)}`));
    return err(problems);
  }
  const semantic = semanticProblems(copy).map((p) => ({ ...p, where: `${source}: ${p.where ?? ''}` }));
  if (semantic.length > 0) return err(semantic);
  return ok(deepFreeze(copy));
}

/** Parses snapshot text (JSON is YAML, so one parser reads both) and validates it. */
export function parseProxySnapshot(text: string, source = 'snapshot'): Result<ProxySnapshot, readonly WeftError[]> {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    return err([weftError('WEFT_CONFIG_PARSE', e instanceof Error ? e.message : String(e), source)]);
  }
  return parseProxySnapshotValue(value, source);
}
