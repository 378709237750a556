// Small valid (and invalid) resources for control-plane tests.
export function service(name: string, namespace = 'default', selector: Record<string, string> = { app: name }, port = 8080): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector, ports: [{ name: 'http', port, appProtocol: 'http' }] } };
}

export function workload(name: string, namespace = 'default', labels: Record<string, string> = { app: name }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'Workload',
    metadata: { name, namespace, labels },
    spec: { command: 'node', ports: [{ name: 'http', port: 8080, protocol: 'http' }], serviceAccount: name, ...extra },
  };
}

export function allowPolicy(name: string, namespace: string, matchLabels: Record<string, string>, principals: string[]): Record<string, unknown> {
  return {
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec: { selector: { matchLabels }, action: 'ALLOW', rules: [{ from: [{ source: { principals } }] }] },
  };
}

export function namespaceResource(name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** A Service whose port is out of range: invalid at `spec.ports[0].port`. */
export function invalidService(name: string, namespace = 'default'): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ port: 70000 }] } };
}

/** A stored Service's selector (tests read it without narrowing the Resource union). */
export function selectorOf(resource: { readonly spec?: unknown }): Readonly<Record<string, string>> | undefined {
  return (resource.spec as { readonly selector?: Readonly<Record<string, string>> } | undefined)?.selector;
}

/** A stored Service's first port. */
export function firstPortOf(resource: { readonly spec?: unknown }): number | undefined {
  return (resource.spec as { readonly ports?: readonly { readonly port: number }[] } | undefined)?.ports?.[0]?.port;
}
