// Pure: the world of the control-plane scale benchmark. N namespaces, each with one service account,
// `instancesPerNamespace` registered instances (one simulated proxy each) and `servicesPerNamespace`
// Services that all select that namespace's instances: every Service has `instancesPerNamespace`
// endpoints. Full scale: 100 × 10 instances = 1,000 proxies; 100 × 10 Services = 1,000 Services;
// 1,000 × 10 = 10,000 endpoints. The changes measured: a mesh-wide AuthorizationPolicy (root
// namespace, no selector: it lands in every proxy's inbound) and one instance's readiness flip.

/** The size of the simulated mesh. */
export interface ControlScale {
  readonly namespaces: number;
  readonly instancesPerNamespace: number;
  readonly servicesPerNamespace: number;
}

export const fullScale: ControlScale = { namespaces: 100, instancesPerNamespace: 10, servicesPerNamespace: 10 };
/** `--quick`: 100 proxies, 100 Services, 1,000 endpoints. */
export const quickScale: ControlScale = { namespaces: 10, instancesPerNamespace: 10, servicesPerNamespace: 10 };

export const trustDomain = 'cluster.local';
/** The compiler's default root namespace: a policy there applies to every namespace. */
export const rootNamespace = 'weft-system';
export const benchPolicyName = 'bench-mesh-wide';
export const servicePort = 8080;

/** Mirrors WorkloadRegistration (src/control/registry/workload-instance.ts): what a proxy's `hello` carries. */
export interface BenchRegistration {
  readonly namespace: string;
  readonly name: string;
  readonly workload?: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly addresses: readonly string[];
  readonly ports: readonly { readonly port: number; readonly name: string; readonly protocol: 'http' }[];
}

export function totals(s: ControlScale): { proxies: number; services: number; endpoints: number } {
  const proxies = s.namespaces * s.instancesPerNamespace;
  const services = s.namespaces * s.servicesPerNamespace;
  return { proxies, services, endpoints: services * s.instancesPerNamespace };
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function namespaceName(i: number): string {
  return `bench-${pad(i, 3)}`;
}

export function serviceAccountOf(_namespace: string): string {
  return 'bench-sa';
}

export function spiffeIdOf(namespace: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccountOf(namespace)}`;
}

/** A distinct 10.0.0.0/8 address per instance (global index k ≥ 0). */
export function addressOf(k: number): string {
  const n = k + 1;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export function serviceName(j: number): string {
  return `svc-${pad(j, 3)}`;
}

/** Every instance's registration, namespace by namespace. */
export function registrations(s: ControlScale, workloadName?: string): BenchRegistration[] {
  const out: BenchRegistration[] = [];
  for (let n = 0; n < s.namespaces; n++) {
    const namespace = namespaceName(n);
    for (let i = 0; i < s.instancesPerNamespace; i++) {
      out.push({
        namespace,
        name: `inst-${pad(i, 3)}`,
        ...(workloadName !== undefined ? { workload: workloadName } : {}),
        serviceAccount: serviceAccountOf(namespace),
        labels: { app: 'bench', group: namespace },
        addresses: [addressOf(n * s.instancesPerNamespace + i)],
        ports: [{ port: servicePort, name: 'http', protocol: 'http' }],
      });
    }
  }
  return out;
}

/** The Services (Kubernetes shape) as `weft apply` would send them. */
export function services(s: ControlScale): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let n = 0; n < s.namespaces; n++) {
    const namespace = namespaceName(n);
    for (let j = 0; j < s.servicesPerNamespace; j++) {
      out.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: serviceName(j), namespace },
        spec: { selector: { group: namespace }, ports: [{ name: 'http', port: servicePort, appProtocol: 'http' }] },
      });
    }
  }
  return out;
}

/**
 * One Workload per namespace (every instance registers as part of it) whose `reachableServices`
 * scope each proxy to its own namespace's Services plus the first Service of `extraNamespaces`
 * other namespaces: the "scoped" line of the benchmark. Field name as the control-scale branch adds it.
 */
export function scopedWorkloads(s: ControlScale, workloadName: string, extraNamespaces: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let n = 0; n < s.namespaces; n++) {
    const namespace = namespaceName(n);
    const reachable: string[] = [];
    for (let j = 0; j < s.servicesPerNamespace; j++) reachable.push(`${serviceName(j)}.${namespace}`);
    for (let x = 1; x <= extraNamespaces && x < s.namespaces; x++) reachable.push(`${serviceName(0)}.${namespaceName((n + x) % s.namespaces)}`);
    out.push({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'Workload',
      metadata: { name: workloadName, namespace, labels: { app: 'bench', group: namespace } },
      spec: { command: 'true', serviceAccount: serviceAccountOf(namespace), ports: [{ name: 'http', port: servicePort, protocol: 'http' }], reachableServices: reachable },
    });
  }
  return out;
}

/** The principal that marks round `round` of the policy change (a caller that never exists). */
export function policyMarker(round: number): string {
  return `${trustDomain}/ns/bench-round/sa/round-${round}`;
}

/** A mesh-wide DENY of a caller that never exists: every proxy's inbound changes, no traffic would. */
export function meshWidePolicy(round: number): Record<string, unknown> {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: { name: benchPolicyName, namespace: rootNamespace },
    spec: { action: 'DENY', rules: [{ from: [{ source: { principals: [policyMarker(round)] } }] }] },
  };
}
