/** How the store names resources: the ref of a validated resource, and the one map key for it. */
import { kinds } from '../../api/kinds.js';
import type { Resource } from '../../api/resource.js';
import type { ResourceRef } from './resource-store.js';

const clusterScoped: ReadonlySet<string> = new Set(kinds.filter((k) => !k.namespaced).map((k) => k.kind));

/** True for kinds without a namespace (Namespace, Mesh). */
export function isClusterScoped(kind: string): boolean {
  return clusterScoped.has(kind);
}

/** The ref of a validated resource; cluster-scoped kinds get namespace "" whatever the document says. */
export function refOf(resource: Resource): ResourceRef {
  const namespace = isClusterScoped(resource.kind) ? '' : (resource.metadata.namespace ?? 'default');
  return { kind: resource.kind, namespace, name: resource.metadata.name };
}

/** `Kind/namespace/name`: unique per resource, and sorts by kind, then namespace, then name. */
export function refKey(ref: ResourceRef): string {
  return `${ref.kind}/${isClusterScoped(ref.kind) ? '' : ref.namespace}/${ref.name}`;
}

/** `Kind ns/name`, or `Kind name` for cluster-scoped kinds: how people see a ref. */
export function describeRef(ref: ResourceRef): string {
  return isClusterScoped(ref.kind) ? `${ref.kind} ${ref.name}` : `${ref.kind} ${ref.namespace}/${ref.name}`;
}
