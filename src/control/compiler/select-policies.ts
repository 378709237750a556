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

export type PolicyResource = Policy;

interface NamespacePolicies {
  /** Namespace-wide: no selector nor targetRefs, or an empty matchLabels. */
  readonly always: Policy[];
  /** With targetRefs (checked against the Services selecting the instance). */
  readonly byTarget: Policy[];
  /** With matchLabels, under their first label (`key\u0000value`): an instance looks only under its own labels. */
  readonly byLabel: Map<string, Policy[]>;
}

export type PolicyIndex = ReadonlyMap<string, NamespacePolicies>;

/** Indexes policies by namespace and selector label once per world. */
export function indexPolicies(resources: readonly Resource[]): PolicyIndex {
  const byNamespace = new Map<string, NamespacePolicies>();
  for (const r of resources) {
    if (r.kind !== 'AuthorizationPolicy') continue;
    const ns = r.metadata.namespace ?? 'default';
    let entry = byNamespace.get(ns);
    if (entry === undefined) {
      entry = { always: [], byTarget: [], byLabel: new Map() };
      byNamespace.set(ns, entry);
    }
    const first = r.spec.selector !== undefined ? Object.entries(r.spec.selector.matchLabels)[0] : undefined;
    if (r.spec.targetRefs !== undefined) entry.byTarget.push(r);
    else if (first === undefined) entry.always.push(r);
    else {
      const labelKey = `${first[0]}\u0000${first[1]}`;
      const list = entry.byLabel.get(labelKey);
      if (list === undefined) entry.byLabel.set(labelKey, [r]);
      else list.push(r);
    }
  }
  return byNamespace;
}

function candidatesIn(entry: NamespacePolicies | undefined, instance: RegisteredInstance, out: Policy[]): void {
  if (entry === undefined) return;
  out.push(...entry.always, ...entry.byTarget);
  for (const [k, v] of Object.entries(instance.labels)) {
    const list = entry.byLabel.get(`${k}\u0000${v}`);
    if (list !== undefined) out.push(...list);
  }
}

/** The policies (resources) that apply to `instance`, sorted by namespace then name. */
export function selectPolicyResources(
  policies: PolicyIndex,
  instance: RegisteredInstance,
  selecting: readonly SelectingService[],
  rootNamespace: string,
): Policy[] {
  const candidates: Policy[] = [];
  candidatesIn(policies.get(instance.namespace), instance, candidates);
  if (instance.namespace !== rootNamespace) candidatesIn(policies.get(rootNamespace), instance, candidates);
  return candidates
    .filter((p) => applies(p, instance, selecting))
    .sort((a, b) => {
      const an = a.metadata.namespace ?? 'default';
      const bn = b.metadata.namespace ?? 'default';
      if (an !== bn) return an < bn ? -1 : 1;
      return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
    });
}

/** A policy as the proxy snapshot carries it. */
export function inboundPolicyOf(p: Policy): InboundPolicy {
  // The proxy type is not deep-readonly; the value is frozen all the same.
  return Object.freeze({ name: p.metadata.name, namespace: p.metadata.namespace ?? 'default', spec: p.spec as AuthorizationPolicySpec });
}

/** The policies that apply to `instance`, sorted by namespace then name. */
export function selectPolicies(
  policies: PolicyIndex,
  instance: RegisteredInstance,
  selecting: readonly SelectingService[],
  rootNamespace: string,
): InboundPolicy[] {
  return selectPolicyResources(policies, instance, selecting, rootNamespace).map(inboundPolicyOf);
}
