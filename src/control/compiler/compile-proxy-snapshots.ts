/**
 * The compiler: a pure, deterministic function from the world (resources + registered instances) to
 * one ProxySnapshot per instance (per proxy), holding only what that proxy needs:
 * - `workload`: its identity (spiffe://<td>/ns/<ns>/sa/<sa>), labels, zone;
 * - `mesh`: trust domain, mTLS mode, default action (Mesh resource or defaults);
 * - `inbound`: its ports (registered, Workload, selecting Services) and the AuthorizationPolicies
 *   that select it (its namespace and the root namespace only, see select-policies.ts);
 * - `outbound`: the Services it may call, each port with its ready endpoints (address, port,
 *   identity, zone) and the SPIFFE IDs its servers may present. For now every Service of the mesh
 *   is reachable from every proxy (no Sidecar-style scoping yet).
 * `version` is a content hash: the same world gives the same snapshots and versions, whatever the
 * order of the inputs (the world snapshot fixes the order). Snapshots share frozen outbound entries.
 */
import type { ResourceOf } from '../../api/resource.js';
import type { OutboundService, ProxySnapshot } from '../../proxy/snapshot/proxy-snapshot.js';
import { inboundPorts } from './inbound-ports.js';
import { meshSettingsOf, spiffeIdOf } from './mesh-settings.js';
import { defaultRootNamespace, indexPolicies, selectPolicies } from './select-policies.js';
import { buildServiceIndex, contentHash, type HashedOutbound } from './service-index.js';
import type { WorldSnapshot } from './world-snapshot.js';

export interface CompileOptions {
  /** Policies in this namespace apply to every namespace; default `weft-system`. */
  readonly rootNamespace?: string;
}

/** Snapshots keyed by instance (`namespace/name`), in instance order. */
export type CompiledSnapshots = ReadonlyMap<string, ProxySnapshot>;

export function compileProxySnapshots(world: WorldSnapshot, options: CompileOptions = {}): CompiledSnapshots {
  const rootNamespace = options.rootNamespace ?? defaultRootNamespace;
  const mesh = meshSettingsOf(world.resources);
  const services = buildServiceIndex(world, mesh);
  const policies = indexPolicies(world.resources);
  const workloads = new Map<string, ResourceOf<'Workload'>>();
  for (const r of world.resources) if (r.kind === 'Workload') workloads.set(`${r.metadata.namespace ?? 'default'}/${r.metadata.name}`, r);

  // The outbound list depends only on the caller's namespace: build and hash it once per namespace.
  const sortedOutbound = [...services.outbound].sort((a, b) => compareOutbound(a.otherNamespace.service, b.otherNamespace.service));
  const outboundByNamespace = new Map<string, { readonly services: readonly OutboundService[]; readonly hash: string }>();
  const outboundFor = (namespace: string): { readonly services: readonly OutboundService[]; readonly hash: string } => {
    let entry = outboundByNamespace.get(namespace);
    if (entry === undefined) {
      const chosen: HashedOutbound[] = sortedOutbound.map((o) => (o.namespace === namespace ? o.sameNamespace : o.otherNamespace));
      entry = { services: Object.freeze(chosen.map((o) => o.service)), hash: contentHash(chosen.map((o) => o.hash)) };
      outboundByNamespace.set(namespace, entry);
    }
    return entry;
  };

  const out = new Map<string, ProxySnapshot>();
  for (const instance of world.instances) {
    const key = `${instance.namespace}/${instance.name}`;
    const selecting = services.servicesOf.get(key) ?? [];
    const workload = instance.workload !== undefined ? workloads.get(`${instance.namespace}/${instance.workload}`) : undefined;
    const outbound = outboundFor(instance.namespace);
    const body = {
      workload: Object.freeze({
        name: instance.name,
        namespace: instance.namespace,
        serviceAccount: instance.serviceAccount,
        spiffeId: spiffeIdOf(mesh.trustDomain, instance.namespace, instance.serviceAccount),
        labels: instance.labels,
        ...(instance.zone !== undefined ? { zone: instance.zone } : {}),
      }),
      mesh,
      inbound: Object.freeze({
        ports: Object.freeze(inboundPorts(instance, workload, selecting)),
        policies: Object.freeze(selectPolicies(policies, instance, selecting, rootNamespace)),
        accessLog: false,
      }),
    };
    // The version hashes everything in the snapshot; the outbound part by its precomputed hash.
    const version = contentHash({ ...body, outbound: outbound.hash });
    out.set(key, Object.freeze({
      version,
      ...body,
      outbound: Object.freeze({ services: outbound.services, accessLog: false }),
    }));
  }
  return out;
}

function compareOutbound(a: OutboundService, b: OutboundService): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.port - b.port;
}
