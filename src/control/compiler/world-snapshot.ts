/**
 * The frozen picture of the world the compiler reads (CONVENTIONS §5): every resource and every
 * registered instance, in one canonical order, so that the compiler's output cannot depend on the
 * order its inputs arrived in. The compiler reads nothing else.
 */
import type { Resource } from '../../api/resource.js';
import { canonicalJson } from '../shared/canonical-json.js';
import type { RegisteredInstance } from '../registry/registry.js';
import { refKey, refOf } from '../store/resource-ref.js';

export interface WorldSnapshot {
  /** Sorted by kind, namespace, name; one per key. */
  readonly resources: readonly Resource[];
  /** Sorted by namespace, name; one per key. */
  readonly instances: readonly RegisteredInstance[];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts and freezes. Keys are unique when the inputs come from the store and the registry; if one
 * repeats anyway, the copy with the greater canonical JSON wins, so even then the order of inputs
 * does not matter.
 */
export function createWorldSnapshot(resources: readonly Resource[], instances: readonly RegisteredInstance[]): WorldSnapshot {
  const byKey = new Map<string, Resource>();
  for (const r of resources) {
    const k = refKey(refOf(r));
    const seen = byKey.get(k);
    if (seen === undefined || canonicalJson(r) > canonicalJson(seen)) byKey.set(k, r);
  }
  const byInstance = new Map<string, RegisteredInstance>();
  for (const i of instances) {
    const k = `${i.namespace}/${i.name}`;
    const seen = byInstance.get(k);
    if (seen === undefined || canonicalJson(i) > canonicalJson(seen)) byInstance.set(k, i);
  }
  return Object.freeze({
    resources: Object.freeze([...byKey.entries()].sort(([a], [b]) => compare(a, b)).map(([, r]) => r)),
    instances: Object.freeze([...byInstance.entries()].sort(([a], [b]) => compare(a, b)).map(([, i]) => i)),
  });
}
