/**
 * Which instances back a Service, as Kubernetes decides it: instances in the Service's namespace
 * whose labels include every label of its selector (a Service without a selector selects nothing;
 * an empty selector selects nothing either, as Kubernetes does not make endpoints for it). Each
 * Service port maps to the instance port named or numbered by `targetPort` (default: the same
 * number as `port`); an instance without that port is no endpoint for it. Pure.
 */
import type { ResourceOf } from '../../api/resource.js';
import type { RegisteredInstance } from './registry.js';

export interface SelectedEndpoint {
  readonly instance: RegisteredInstance;
  /** The Service port this endpoint serves. */
  readonly servicePort: number;
  /** The instance's application port behind it. */
  readonly targetPort: number;
  /** Where to dial: the instance's first address and `dialPort ?? targetPort`. */
  readonly address: string;
  readonly port: number;
  readonly ready: boolean;
}

/** True when `labels` hold every key/value of `selector` (an empty selector matches nothing). */
export function selectorMatches(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return false;
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** The endpoints of every port of `service`, in instance order, ready or not (callers drop the not-ready ones). */
export function selectEndpoints(service: ResourceOf<'Service'>, instances: readonly RegisteredInstance[]): SelectedEndpoint[] {
  const namespace = service.metadata.namespace ?? 'default';
  const out: SelectedEndpoint[] = [];
  const selected = instances.filter((i) => i.namespace === namespace && selectorMatches(service.spec.selector, i.labels));
  for (const sp of service.spec.ports ?? []) {
    if ((sp.protocol ?? 'TCP') !== 'TCP') continue; // the mesh carries TCP only
    for (const instance of selected) {
      const target = sp.targetPort ?? sp.port;
      const port = typeof target === 'number' ? instance.ports.find((p) => p.port === target) : instance.ports.find((p) => p.name === target);
      // A numeric targetPort the instance did not declare is still dialled (Kubernetes does not require declared ports).
      const targetPort = port?.port ?? (typeof target === 'number' ? target : undefined);
      const address = instance.addresses[0];
      if (targetPort === undefined || address === undefined) continue;
      out.push({ instance, servicePort: sp.port, targetPort, address, port: port?.dialPort ?? targetPort, ready: instance.ready });
    }
  }
  return out;
}
