/**
 * Compiles every Service once per world (not once per proxy): its outbound entries per port, with
 * ready endpoints and the server identities callers must accept, and which instances it selects.
 * The entries are frozen and shared by every proxy snapshot that includes them, each with a
 * content hash computed once, so compiling 1,000 proxies does not copy or re-hash 1,000 times.
 * Across compiles, a Service whose inputs did not change (the same frozen resource, the same
 * candidate instances, the same trust domain) keeps its compiled entries as they were (`previous`):
 * an endpoint change recompiles and re-hashes only the Services that select that instance.
 */
import { createHash } from 'node:crypto';
import type { ResourceOf } from '../../api/resource.js';
import type { Endpoint, MeshSettings, OutboundService } from '../../proxy/snapshot/proxy-snapshot.js';
import { canonicalJson } from '../shared/canonical-json.js';
import type { RegisteredInstance } from '../registry/registry.js';
import { selectEndpoints } from '../registry/select-endpoints.js';
import { spiffeIdOf } from './mesh-settings.js';
import { servicePortProtocol } from './port-protocol.js';
import type { WorldSnapshot } from './world-snapshot.js';

const clusterDomain = 'cluster.local';

/** One outbound entry, in two variants: for callers in the Service's namespace (short host name too) and for others. */
export interface CompiledOutbound {
  readonly namespace: string;
  readonly sameNamespace: HashedOutbound;
  readonly otherNamespace: HashedOutbound;
}

export interface HashedOutbound {
  readonly service: OutboundService;
  readonly hash: string;
}

export interface ServiceIndex {
  /** Every outbound entry, in world order (callers sort by namespace, name, port). */
  readonly outbound: readonly CompiledOutbound[];
  /** For each instance key (`ns/name`), the Services that select it, with the target ports they use. */
  readonly servicesOf: ReadonlyMap<string, readonly SelectingService[]>;
  /** What each Service compiled to, for the next compile's `previous`. */
  readonly compiled: ReadonlyMap<ResourceOf<'Service'>, CompiledService>;
}

/** One Service compiled, with the inputs it was compiled from. */
export interface CompiledService {
  readonly trustDomain: string;
  readonly candidates: readonly RegisteredInstance[];
  readonly outbound: readonly CompiledOutbound[];
  /** Instance key and how this Service selects it (frozen, so identical across compiles while unchanged). */
  readonly selecting: readonly (readonly [string, SelectingService])[];
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface SelectingService {
  readonly service: ResourceOf<'Service'>;
  readonly servicePort: number;
  readonly targetPort: number;
}

/** A short content hash of a plain value (sha-256 of its canonical JSON, 16 hex digits). */
export function contentHash(value: unknown): string {
  // A list of strings (hashes of parts) is its own canonical JSON: skip the generic walk.
  const text = Array.isArray(value) && value.every((v) => typeof v === 'string') ? JSON.stringify(value) : canonicalJson(value);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function hashed(service: OutboundService): HashedOutbound {
  return Object.freeze({ service: Object.freeze(service), hash: contentHash(service) });
}

export function buildServiceIndex(world: WorldSnapshot, mesh: MeshSettings, previous: ReadonlyMap<ResourceOf<'Service'>, CompiledService> = new Map()): ServiceIndex {
  const outbound: CompiledOutbound[] = [];
  const compiled = new Map<ResourceOf<'Service'>, CompiledService>();
  const servicesOf = new Map<string, SelectingService[]>();
  const identityOf = (i: RegisteredInstance): string => spiffeIdOf(mesh.trustDomain, i.namespace, i.serviceAccount);
  // Instances by namespace and label pair: a Service looks only at instances carrying its rarest
  // selector label instead of scanning every instance (1,000 Services x 10,000 instances otherwise).
  const byLabel = new Map<string, RegisteredInstance[]>();
  for (const i of world.instances) {
    for (const [k, v] of Object.entries(i.labels)) {
      const labelKey = `${i.namespace}\u0000${k}\u0000${v}`;
      const list = byLabel.get(labelKey);
      if (list === undefined) byLabel.set(labelKey, [i]);
      else list.push(i);
    }
  }
  const candidatesOf = (namespace: string, selector: Readonly<Record<string, string>> | undefined): readonly RegisteredInstance[] => {
    let best: readonly RegisteredInstance[] | undefined;
    for (const [k, v] of Object.entries(selector ?? {})) {
      const list = byLabel.get(`${namespace}\u0000${k}\u0000${v}`) ?? [];
      if (best === undefined || list.length < best.length) best = list;
    }
    return best ?? [];
  };
  for (const r of world.resources) {
    if (r.kind !== 'Service' || r.spec.type === 'ExternalName') continue;
    const namespace = r.metadata.namespace ?? 'default';
    const candidates = candidatesOf(namespace, r.spec.selector);
    const before = previous.get(r);
    const done = before !== undefined && before.trustDomain === mesh.trustDomain && sameItems(before.candidates, candidates)
      ? before
      : compileService(r, candidates, mesh.trustDomain, identityOf);
    compiled.set(r, done);
    for (const [key, selecting] of done.selecting) {
      const list = servicesOf.get(key);
      if (list === undefined) servicesOf.set(key, [selecting]);
      else list.push(selecting);
    }
    outbound.push(...done.outbound);
  }
  return { outbound, servicesOf, compiled };
}

function compileService(
  r: ResourceOf<'Service'>,
  candidates: readonly RegisteredInstance[],
  trustDomain: string,
  identityOf: (i: RegisteredInstance) => string,
): CompiledService {
  const namespace = r.metadata.namespace ?? 'default';
  const name = r.metadata.name;
  const outbound: CompiledOutbound[] = [];
  // Candidates keep world order (instances were indexed in it), so the result is the same as a full scan.
  const selected = selectEndpoints(r, candidates);
  const selecting = selected.map((e) => Object.freeze([
    `${e.instance.namespace}/${e.instance.name}`,
    Object.freeze({ service: r, servicePort: e.servicePort, targetPort: e.targetPort }),
  ] as const));
  const vip = r.spec.clusterIP !== undefined && r.spec.clusterIP !== 'None' && r.spec.clusterIP !== '' ? r.spec.clusterIP : undefined;
  const publishNotReady = r.spec.publishNotReadyAddresses === true;
  for (const sp of r.spec.ports ?? []) {
    if ((sp.protocol ?? 'TCP') !== 'TCP') continue;
    const forPort = selected.filter((e) => e.servicePort === sp.port);
    const identities = [...new Set(forPort.map((e) => identityOf(e.instance)))].sort(compare);
    // Endpoints that fail readiness drop out (unless the Service publishes not-ready addresses, as in Kubernetes).
    const endpoints: Endpoint[] = forPort
      .filter((e) => e.ready || publishNotReady)
      .map((e): Endpoint => Object.freeze({
        address: e.address,
        port: e.port,
        identity: identityOf(e.instance),
        ...(e.instance.zone !== undefined ? { zone: e.instance.zone } : {}),
        ready: e.ready,
      }))
      .sort((a, b) => compare(`${a.address}:${String(a.port).padStart(5, '0')}`, `${b.address}:${String(b.port).padStart(5, '0')}`));
    const fqdn = [`${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.${clusterDomain}`];
    const base = {
      name,
      namespace,
      port: sp.port,
      protocol: servicePortProtocol(sp),
      ...(vip !== undefined ? { vip } : {}),
      identities: Object.freeze(identities),
      endpoints: Object.freeze(endpoints),
    };
    outbound.push(Object.freeze({
      namespace,
      sameNamespace: hashed({ ...base, hosts: Object.freeze([name, ...fqdn]) }),
      otherNamespace: hashed({ ...base, hosts: Object.freeze(fqdn) }),
    }));
  }
  return Object.freeze({ trustDomain, candidates, outbound: Object.freeze(outbound), selecting: Object.freeze(selecting) });
}
