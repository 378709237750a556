/**
 * References between documents of one manifest set, checked as warnings (the other end may exist
 * in the cluster or be applied later): route backends and parents, policy targets and selectors,
 * ExtensionRef filters, Canary services, Service selectors, undeclared namespaces, duplicates.
 * Selectors are only checked against Workloads when the set holds Workloads (universal mode);
 * in Kubernetes mode the pods come from elsewhere.
 */
import type { PolicyTargetRef } from '../meta.js';
import type { Resource, ResourceOf } from '../resource.js';
import type { DocumentRef, ManifestProblem } from './manifest-problem.js';

export interface ValidEntry {
  readonly ref: DocumentRef;
  readonly resource: Resource;
}

const gatewayGroup = 'gateway.networking.k8s.io';

function namespaceOf(r: Resource): string {
  return r.metadata.namespace ?? 'default';
}

function labelsMatch(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

interface Index {
  byKey: Map<string, ValidEntry>;
  workloads: ValidEntry[];
  namespaces: Set<string>;
}

function key(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function buildIndex(entries: readonly ValidEntry[], out: ManifestProblem[]): Index {
  const byKey = new Map<string, ValidEntry>();
  const workloads: ValidEntry[] = [];
  const namespaces = new Set<string>();
  for (const e of entries) {
    const r = e.resource;
    const k = key(r.kind, r.kind === 'Namespace' || r.kind === 'Mesh' ? '' : namespaceOf(r), r.metadata.name);
    const first = byKey.get(k);
    if (first !== undefined) {
      out.push(warn(e.ref, '', `is defined again (first in ${first.ref.file} document ${first.ref.document}); the later one wins`));
    } else {
      byKey.set(k, e);
    }
    if (r.kind === 'Workload') workloads.push(e);
    if (r.kind === 'Namespace') namespaces.add(r.metadata.name);
  }
  return { byKey, workloads, namespaces };
}

function warn(ref: DocumentRef, path: string, message: string): ManifestProblem {
  return {
    file: ref.file,
    document: ref.document,
    ...(ref.kind !== undefined ? { kind: ref.kind } : {}),
    ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
    ...(ref.name !== undefined ? { name: ref.name } : {}),
    path,
    message,
    severity: 'warning',
    code: 'WEFT_CONFIG_REFERENCE',
  };
}

function serviceExists(index: Index, namespace: string, name: string): ResourceOf<'Service'> | undefined {
  const found = index.byKey.get(key('Service', namespace, name))?.resource;
  return found?.kind === 'Service' ? found : undefined;
}

function checkBackend(
  index: Index,
  e: ValidEntry,
  path: string,
  ref: { readonly group?: string; readonly kind?: string; readonly name: string; readonly namespace?: string; readonly port?: number },
  out: ManifestProblem[],
): void {
  if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') return;
  const ns = ref.namespace ?? namespaceOf(e.resource);
  const service = serviceExists(index, ns, ref.name);
  if (service === undefined) {
    out.push(warn(e.ref, path, `no Service "${ref.name}" in namespace "${ns}" among the manifests`));
  } else if (ref.port !== undefined && service.spec.ports !== undefined && !service.spec.ports.some((p) => p.port === ref.port)) {
    out.push(warn(e.ref, `${path}.port`, `Service ${ns}/${ref.name} has no port ${ref.port}`));
  }
}

function checkParents(index: Index, e: ValidEntry, parents: ResourceOf<'HTTPRoute'>['spec']['parentRefs'], out: ManifestProblem[]): void {
  (parents ?? []).forEach((p, i) => {
    const path = `spec.parentRefs[${i}]`;
    const ns = p.namespace ?? namespaceOf(e.resource);
    const group = p.group ?? gatewayGroup;
    const kind = p.kind ?? 'Gateway';
    if (group === gatewayGroup && kind === 'Gateway') {
      const gw = index.byKey.get(key('Gateway', ns, p.name))?.resource;
      if (gw?.kind !== 'Gateway') out.push(warn(e.ref, path, `no Gateway "${p.name}" in namespace "${ns}" among the manifests`));
      else if (p.sectionName !== undefined && !gw.spec.listeners.some((l) => l.name === p.sectionName)) {
        out.push(warn(e.ref, `${path}.sectionName`, `Gateway ${ns}/${p.name} has no listener "${p.sectionName}"`));
      }
    } else if (group === '' && kind === 'Service') {
      if (serviceExists(index, ns, p.name) === undefined) out.push(warn(e.ref, path, `no Service "${p.name}" in namespace "${ns}" among the manifests`));
    } else {
      out.push(warn(e.ref, path, `Weft attaches routes only to Gateways and Services, not to ${group}/${kind}`));
    }
  });
}

type AnyFilter = {
  readonly type: string;
  readonly requestMirror?: { readonly backendRef: { readonly name: string; readonly namespace?: string; readonly port?: number; readonly group?: string; readonly kind?: string } };
  readonly extensionRef?: { readonly group: string; readonly kind: string; readonly name: string };
};

function checkFilters(index: Index, e: ValidEntry, path: string, filters: readonly AnyFilter[] | undefined, out: ManifestProblem[]): void {
  (filters ?? []).forEach((f, i) => {
    const at = `${path}[${i}]`;
    if (f.requestMirror !== undefined) checkBackend(index, e, `${at}.requestMirror.backendRef`, f.requestMirror.backendRef, out);
    const ext = f.extensionRef;
    if (ext === undefined) return;
    if (ext.group === 'weft.dev' && ext.kind === 'FaultInjection') {
      if (index.byKey.get(key('FaultInjection', namespaceOf(e.resource), ext.name)) === undefined) {
        out.push(warn(e.ref, `${at}.extensionRef`, `no FaultInjection "${ext.name}" in namespace "${namespaceOf(e.resource)}" among the manifests`));
      }
    } else {
      out.push(warn(e.ref, `${at}.extensionRef`, `Weft does not know the extension ${ext.group}/${ext.kind}; the filter will be refused`));
    }
  });
}

function checkRoute(index: Index, e: ValidEntry, out: ManifestProblem[]): void {
  const r = e.resource;
  if (r.kind !== 'HTTPRoute' && r.kind !== 'GRPCRoute') return;
  checkParents(index, e, r.spec.parentRefs, out);
  (r.spec.rules ?? []).forEach((rule, i) => {
    checkFilters(index, e, `spec.rules[${i}].filters`, rule.filters, out);
    (rule.backendRefs ?? []).forEach((b, j) => {
      checkBackend(index, e, `spec.rules[${i}].backendRefs[${j}]`, b, out);
      checkFilters(index, e, `spec.rules[${i}].backendRefs[${j}].filters`, b.filters, out);
    });
  });
}

function checkTargets(index: Index, e: ValidEntry, refs: readonly PolicyTargetRef[] | undefined, out: ManifestProblem[]): void {
  const ns = namespaceOf(e.resource);
  (refs ?? []).forEach((t, i) => {
    const kindKey = t.group === '' && t.kind === 'Service' ? 'Service' : t.group === gatewayGroup && t.kind === 'Gateway' ? 'Gateway' : undefined;
    if (kindKey === undefined) return; // the kind check already refused it
    if (index.byKey.get(key(kindKey, ns, t.name)) === undefined) {
      out.push(warn(e.ref, `spec.targetRefs[${i}]`, `selects nothing: no ${kindKey} "${t.name}" in namespace "${ns}" among the manifests`));
    }
  });
}

function checkSelector(index: Index, e: ValidEntry, path: string, selector: Readonly<Record<string, string>> | undefined, out: ManifestProblem[]): void {
  if (index.workloads.length === 0 || selector === undefined) return;
  const ns = namespaceOf(e.resource);
  const hit = index.workloads.some((w) => namespaceOf(w.resource) === ns && labelsMatch(selector, w.resource.metadata.labels));
  if (!hit) out.push(warn(e.ref, path, `selects nothing: no Workload in namespace "${ns}" has these labels`));
}

function checkOne(index: Index, e: ValidEntry, out: ManifestProblem[]): void {
  const r = e.resource;
  const ns = namespaceOf(r);
  if (index.namespaces.size > 0 && r.kind !== 'Namespace' && r.kind !== 'Mesh' && ns !== 'default' && !index.namespaces.has(ns)) {
    out.push(warn(e.ref, 'metadata.namespace', `namespace "${ns}" is not declared by a Namespace among the manifests`));
  }
  switch (r.kind) {
    case 'HTTPRoute':
    case 'GRPCRoute':
      checkRoute(index, e, out);
      break;
    case 'AuthorizationPolicy':
      checkTargets(index, e, r.spec.targetRefs, out);
      checkSelector(index, e, 'spec.selector', r.spec.selector?.matchLabels, out);
      if (r.spec.selector === undefined && r.spec.targetRefs === undefined && index.workloads.length > 0 && !index.workloads.some((w) => namespaceOf(w.resource) === ns)) {
        out.push(warn(e.ref, '', `selects nothing: no Workload in namespace "${ns}"`));
      }
      break;
    case 'TrafficPolicy':
    case 'RateLimitPolicy':
      checkTargets(index, e, r.spec.targetRefs, out);
      break;
    case 'Service':
      checkSelector(index, e, 'spec.selector', r.spec.selector, out);
      break;
    case 'Canary':
      for (const [path, name] of [['spec.service', r.spec.service], ['spec.stable.name', r.spec.stable.name], ['spec.canary.name', r.spec.canary.name]] as const) {
        if (serviceExists(index, ns, name) === undefined) out.push(warn(e.ref, path, `no Service "${name}" in namespace "${ns}" among the manifests`));
      }
      break;
    case 'Workload':
      (r.spec.reachableServices ?? []).forEach((ref, i) => {
        const dot = ref.indexOf('.');
        const [name, refNs] = dot === -1 ? [ref, ns] : [ref.slice(0, dot), ref.slice(dot + 1)];
        if (serviceExists(index, refNs, name) === undefined) out.push(warn(e.ref, `spec.reachableServices[${i}]`, `no Service "${name}" in namespace "${refNs}" among the manifests`));
      });
      break;
    case 'Namespace':
    case 'Gateway':
    case 'Mesh':
    case 'FaultInjection':
      break;
  }
}

/** Warnings for references between the valid resources of one set. */
export function checkReferences(entries: readonly ValidEntry[]): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  const index = buildIndex(entries, out);
  for (const e of entries) checkOne(index, e, out);
  return out;
}
