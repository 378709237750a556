/**
 * Which AuthorizationPolicies apply to an instance, as Istio decides it:
 * - a policy in the instance's namespace applies when its `selector.matchLabels` are all among the
 *   instance's labels (an empty matchLabels selects every instance of the namespace), when it has
 *   neither selector nor targetRefs (namespace-wide), or when one of its `targetRefs` names a
 *   Service (group "", kind Service) of its namespace that selects the instance;
 * - a policy in the root namespace (default `weft-system`, like Istio's `istio-system`) applies the
 *   same way to instances of every namespace (its selector is matched against their labels; its
 *   targetRefs only name Services of the root namespace).
 * Policies of any other namespace never apply. Gateway targetRefs are for gateways, not sidecars.
 */
import type { Resource, ResourceOf } from '../../api/resource.js';
import type { AuthorizationPolicySpec } from '../../api/kinds/authorization-policy.js';
import type { InboundPolicy } from '../../proxy/snapshot/proxy-snapshot.js';
import type { RegisteredInstance } from '../registry/registry.js';
import type { SelectingService } from './service-index.js';

export const defaultRootNamespace = 'weft-system';

type Policy = ResourceOf<'AuthorizationPolicy'>;

function labelsInclude(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function applies(policy: Policy, instance: RegisteredInstance, selecting: readonly SelectingService[]): boolean {
  const { selector, targetRefs } = policy.spec;
  const namespace = policy.metadata.namespace ?? 'default';
  if (targetRefs !== undefined) {
    return targetRefs.some((t) => t.group === '' && t.kind === 'Service' && selecting.some((s) => s.service.metadata.name === t.name && (s.service.metadata.namespace ?? 'default') === namespace));
  }
  if (selector !== undefined) return labelsInclude(selector.matchLabels, instance.labels);
  return true;
}

/** Indexes policies by namespace once per world. */
export function indexPolicies(resources: readonly Resource[]): ReadonlyMap<string, readonly Policy[]> {
  const byNamespace = new Map<string, Policy[]>();
  for (const r of resources) {
    if (r.kind !== 'AuthorizationPolicy') continue;
    const ns = r.metadata.namespace ?? 'default';
    const list = byNamespace.get(ns) ?? [];
    list.push(r);
    byNamespace.set(ns, list);
  }
  return byNamespace;
}

/** The policies that apply to `instance`, sorted by namespace then name. */
export function selectPolicies(
  policies: ReadonlyMap<string, readonly Policy[]>,
  instance: RegisteredInstance,
  selecting: readonly SelectingService[],
  rootNamespace: string,
): InboundPolicy[] {
  const candidates = [...(policies.get(instance.namespace) ?? []), ...(instance.namespace !== rootNamespace ? (policies.get(rootNamespace) ?? []) : [])];
  return candidates
    .filter((p) => applies(p, instance, selecting))
    .map((p): InboundPolicy => ({ name: p.metadata.name, namespace: p.metadata.namespace ?? 'default', // The proxy type is not deep-readonly; the value is frozen all the same.
    spec: p.spec as AuthorizationPolicySpec }))
    .sort((a, b) => (a.namespace !== b.namespace ? (a.namespace < b.namespace ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
