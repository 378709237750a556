/**
 * The compiler: a pure, deterministic function from the world (resources + registered instances) to
 * one ProxySnapshot per instance (per proxy), holding only what that proxy needs:
 * - `workload`: its identity (spiffe://<td>/ns/<ns>/sa/<sa>), labels, zone;
 * - `mesh`: trust domain, mTLS mode, default action (Mesh resource or defaults);
 * - `inbound`: its ports (registered, Workload, selecting Services) and the AuthorizationPolicies
 *   that select it (its namespace and the root namespace only, see select-policies.ts);
 * - `outbound`: the Services it may call, each port with its ready endpoints (address, port,
 *   identity, zone) and the SPIFFE IDs its servers may present. When the instance's Workload lists
 *   `reachableServices`, only those (like Istio's Sidecar egress hosts or Kuma's reachable
 *   services); otherwise every Service of the mesh.
 * `version` is a content hash: the same world gives the same snapshots and versions, whatever the
 * order of the inputs (the world snapshot fixes the order). Snapshots share frozen outbound entries.
 *
 * At scale (1,000 Services, 10,000 instances) the distributor recompiles after every change, so a
 * `SnapshotCompiler` remembers what it compiled last time, keyed by the identity of its frozen
 * inputs (resources from the store, instances from the registry): a Service, an outbound list, a
 * snapshot section whose inputs are the same objects as before is reused, not rebuilt or re-hashed.
 * The output is exactly what a fresh compile gives (tests check it); reuse only keeps identities
 * stable, which lets the distributor diff and encode cheaply.
 */
import type { ResourceOf } from '../../api/resource.js';
import type { InboundConfig, InboundPolicy, MeshSettings, OutboundService, ProxySnapshot, WorkloadIdentity } from '../../proxy/snapshot/proxy-snapshot.js';
import type { RegisteredInstance } from '../registry/registry.js';
import { inboundPorts } from './inbound-ports.js';
import { meshSettingsOf, spiffeIdOf } from './mesh-settings.js';
import { defaultRootNamespace, inboundPolicyOf, indexPolicies, selectPolicyResources, type PolicyResource } from './select-policies.js';
import { buildServiceIndex, contentHash, type CompiledOutbound, type CompiledService, type HashedOutbound, type SelectingService } from './service-index.js';
import type { WorldSnapshot } from './world-snapshot.js';

export interface CompileOptions {
  /** Policies in this namespace apply to every namespace; default `weft-system`. */
  readonly rootNamespace?: string;
}

/** Snapshots keyed by instance (`namespace/name`), in instance order. */
export type CompiledSnapshots = ReadonlyMap<string, ProxySnapshot>;

/** Compiles worlds one after the other, reusing what did not change since the previous one. */
export interface SnapshotCompiler {
  /**
   * One snapshot per instance; with `only`, just for the instances (`namespace/name`) it holds,
   * e.g. those with a proxy connected (10,000 endpoints may have 1,000 proxies). Every instance
   * still counts as an endpoint of the Services that select it.
   */
  compile(world: WorldSnapshot, only?: ReadonlySet<string>): CompiledSnapshots;
}

/** Compiles one world from scratch. */
export function compileProxySnapshots(world: WorldSnapshot, options: CompileOptions = {}): CompiledSnapshots {
  return createSnapshotCompiler(options).compile(world);
}

interface OutboundList {
  readonly entries: readonly HashedOutbound[];
  readonly services: readonly OutboundService[];
  readonly hash: string;
}

interface Section<T> {
  readonly value: T;
  readonly hash: string;
}

/** What one instance's snapshot was compiled from, and its sections. */
interface InstanceMemo {
  readonly instance: RegisteredInstance;
  readonly mesh: MeshSettings;
  readonly workloadResource: ResourceOf<'Workload'> | undefined;
  readonly selecting: readonly SelectingService[];
  readonly policies: readonly PolicyResource[];
  readonly outbound: OutboundList;
  readonly workload: Section<WorkloadIdentity>;
  readonly inbound: Section<InboundConfig>;
  readonly snapshot: ProxySnapshot;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameMesh(a: MeshSettings, b: MeshSettings): boolean {
  return a.trustDomain === b.trustDomain && a.mtlsMode === b.mtlsMode && a.defaultAction === b.defaultAction;
}

/**
 * A Workload's `reachableServices` as sorted `namespace/name` keys (a bare name is in the
 * Workload's namespace), or undefined when it does not restrict them.
 */
export function reachableKeys(workload: ResourceOf<'Workload'> | undefined, namespace: string): readonly string[] | undefined {
  const refs = workload?.spec.reachableServices;
  if (refs === undefined) return undefined;
  const keys = refs.map((ref) => {
    const dot = ref.indexOf('.');
    return dot === -1 ? `${namespace}/${ref}` : `${ref.slice(dot + 1)}/${ref.slice(0, dot)}`;
  });
  return [...new Set(keys)].sort();
}

export function createSnapshotCompiler(options: CompileOptions = {}): SnapshotCompiler {
  const rootNamespace = options.rootNamespace ?? defaultRootNamespace;
  // What the previous compile made; replaced by each compile, so nothing outlives one round unused.
  let services: ReadonlyMap<ResourceOf<'Service'>, CompiledService> = new Map();
  let outboundLists: ReadonlyMap<string, OutboundList> = new Map();
  let instances: ReadonlyMap<string, InstanceMemo> = new Map();
  let lastMesh: MeshSettings | undefined;
  let lastMeshHash = '';
  const policyHashes = new WeakMap<PolicyResource, string>();
  const reachableOf = new WeakMap<ResourceOf<'Workload'>, readonly string[] | undefined>();
  const reachable = (workload: ResourceOf<'Workload'> | undefined, namespace: string): readonly string[] | undefined => {
    if (workload === undefined) return undefined;
    if (!reachableOf.has(workload)) reachableOf.set(workload, reachableKeys(workload, namespace));
    return reachableOf.get(workload);
  };
  const inboundPolicies = new WeakMap<PolicyResource, InboundPolicy>();

  const policyHash = (p: PolicyResource): string => {
    let hash = policyHashes.get(p);
    if (hash === undefined) {
      hash = contentHash(inboundPolicyOf(p));
      policyHashes.set(p, hash);
    }
    return hash;
  };
  const inboundPolicy = (p: PolicyResource): InboundPolicy => {
    let value = inboundPolicies.get(p);
    if (value === undefined) {
      value = inboundPolicyOf(p);
      inboundPolicies.set(p, value);
    }
    return value;
  };

  return {
    compile(world, only) {
      let mesh = meshSettingsOf(world.resources);
      if (lastMesh === undefined || !sameMesh(lastMesh, mesh)) {
        lastMesh = mesh;
        lastMeshHash = contentHash(mesh);
      }
      mesh = lastMesh;
      const meshHash = lastMeshHash;
      const index = buildServiceIndex(world, mesh, services);
      services = index.compiled;
      const policies = indexPolicies(world.resources);
      const workloads = new Map<string, ResourceOf<'Workload'>>();
      for (const r of world.resources) if (r.kind === 'Workload') workloads.set(`${r.metadata.namespace ?? 'default'}/${r.metadata.name}`, r);

      // An outbound list depends only on the caller's namespace and reachable set: built and hashed
      // once per such scope, and kept as it was when its entries are the same as last time.
      const sortedOutbound = [...index.outbound].sort((a, b) => compareOutbound(a.otherNamespace.service, b.otherNamespace.service));
      // For reachable sets: a Service's entries (one per port) by `namespace/name`, in sorted order.
      const byService = new Map<string, CompiledOutbound[]>();
      for (const o of sortedOutbound) {
        const key = `${o.otherNamespace.service.namespace}/${o.otherNamespace.service.name}`;
        const list = byService.get(key);
        if (list === undefined) byService.set(key, [o]);
        else list.push(o);
      }
      const nextLists = new Map<string, OutboundList>();
      const outboundFor = (namespace: string, reachable: readonly string[] | undefined): OutboundList => {
        const scope = reachable === undefined ? namespace : `${namespace}\u0000${reachable.join('\u0000')}`;
        let list = nextLists.get(scope);
        if (list !== undefined) return list;
        const from = reachable === undefined
          ? sortedOutbound
          : reachable.flatMap((k) => byService.get(k) ?? []).sort((a, b) => compareOutbound(a.otherNamespace.service, b.otherNamespace.service));
        const chosen: HashedOutbound[] = from.map((o) => (o.namespace === namespace ? o.sameNamespace : o.otherNamespace));
        const before = outboundLists.get(scope);
        list = before !== undefined && sameItems(before.entries, chosen)
          ? before
          : Object.freeze({ entries: chosen, services: Object.freeze(chosen.map((o) => o.service)), hash: contentHash(chosen.map((o) => o.hash)) });
        nextLists.set(scope, list);
        return list;
      };

      const out = new Map<string, ProxySnapshot>();
      const nextInstances = new Map<string, InstanceMemo>();
      for (const instance of world.instances) {
        const key = `${instance.namespace}/${instance.name}`;
        if (only !== undefined && !only.has(key)) continue;
        const selecting = index.servicesOf.get(key) ?? [];
        const workloadResource = instance.workload !== undefined ? workloads.get(`${instance.namespace}/${instance.workload}`) : undefined;
        // A Workload's instances share its namespace, so its reachable keys are computed once.
        const outbound = outboundFor(instance.namespace, reachable(workloadResource, instance.namespace));
        const applying = selectPolicyResources(policies, instance, selecting, rootNamespace);
        const before = instances.get(key);
        const sameIdentity = before !== undefined && before.instance === instance && before.mesh === mesh;
        const workload = sameIdentity ? before.workload : hashedSection(Object.freeze({
          name: instance.name,
          namespace: instance.namespace,
          serviceAccount: instance.serviceAccount,
          spiffeId: spiffeIdOf(mesh.trustDomain, instance.namespace, instance.serviceAccount),
          labels: instance.labels,
          ...(instance.zone !== undefined ? { zone: instance.zone } : {}),
        }));
        const sameInbound = before !== undefined && before.instance === instance && before.workloadResource === workloadResource
          && sameItems(before.selecting, selecting) && sameItems(before.policies, applying);
        const inbound = sameInbound ? before.inbound : inboundSection(
          Object.freeze(inboundPorts(instance, workloadResource, selecting)),
          applying,
          inboundPolicy,
          policyHash,
        );
        const snapshot = before !== undefined && before.workload === workload && before.inbound === inbound && before.outbound === outbound
          ? before.snapshot
          : Object.freeze({
            // The version hashes everything in the snapshot, each section by its precomputed hash.
            version: contentHash([workload.hash, meshHash, inbound.hash, outbound.hash]),
            workload: workload.value,
            mesh,
            inbound: inbound.value,
            outbound: Object.freeze({ services: outbound.services, accessLog: false }),
          });
        out.set(key, snapshot);
        nextInstances.set(key, { instance, mesh, workloadResource, selecting, policies: applying, outbound, workload, inbound, snapshot });
      }
      outboundLists = nextLists;
      instances = nextInstances;
      return out;
    },
  };
}

function hashedSection<T>(value: T): Section<T> {
  return Object.freeze({ value, hash: contentHash(value) });
}

function inboundSection(
  ports: InboundConfig['ports'],
  applying: readonly PolicyResource[],
  inboundPolicy: (p: PolicyResource) => InboundPolicy,
  policyHash: (p: PolicyResource) => string,
): Section<InboundConfig> {
  const accessLog = false;
  return Object.freeze({
    value: Object.freeze({ ports, policies: Object.freeze(applying.map(inboundPolicy)), accessLog }),
    // Policies by their memoized hash: a policy's spec is hashed once, not once per proxy.
    hash: contentHash({ ports, policies: applying.map(policyHash), accessLog }),
  });
}

function compareOutbound(a: OutboundService, b: OutboundService): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.port - b.port;
}
