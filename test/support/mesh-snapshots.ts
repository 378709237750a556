/**
 * Builders of proxy snapshots for the two-proxy integration tests: a client-side proxy with explicit
 * outbound listeners, a server-side proxy with explicit inbound listeners, on loopback.
 */
export const TD = 'cluster.local';
export const spiffe = (ns: string, sa: string): string => `spiffe://${TD}/ns/${ns}/sa/${sa}`;

export interface Policy {
  readonly name: string;
  readonly namespace?: string;
  readonly spec: Record<string, unknown>;
}

export interface ServerPort {
  readonly appPort: number;
  readonly listenPort: number;
  readonly protocol: 'http' | 'http2' | 'grpc' | 'tcp' | 'detect';
}

export function serverSnapshot(o: {
  readonly version: string;
  readonly ns: string;
  readonly sa: string;
  readonly ports: readonly ServerPort[];
  readonly policies?: readonly Policy[];
  readonly mtlsMode?: 'STRICT' | 'PERMISSIVE';
  readonly defaultAction?: 'ALLOW' | 'DENY';
}): Record<string, unknown> {
  return {
    version: o.version,
    workload: { name: o.sa, namespace: o.ns, serviceAccount: o.sa, spiffeId: spiffe(o.ns, o.sa), labels: { app: o.sa } },
    mesh: { trustDomain: TD, mtlsMode: o.mtlsMode ?? 'STRICT', defaultAction: o.defaultAction ?? 'ALLOW' },
    inbound: {
      ports: o.ports.map((p) => ({ port: p.appPort, protocol: p.protocol, listenPort: p.listenPort, listenAddress: '127.0.0.1' })),
      policies: (o.policies ?? []).map((p) => ({ name: p.name, namespace: p.namespace ?? o.ns, spec: p.spec })),
      accessLog: false,
    },
    outbound: { services: [], accessLog: false },
  };
}

export interface ClientService {
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
  readonly protocol: 'http' | 'http2' | 'grpc' | 'tcp' | 'detect';
  readonly listenPort: number;
  /** The server proxy's inbound listener. */
  readonly endpointPort: number;
  readonly identity: string;
  /** What the client expects; defaults to [identity]. */
  readonly identities?: readonly string[];
}

export function clientSnapshot(o: { readonly version: string; readonly ns: string; readonly sa: string; readonly services: readonly ClientService[]; readonly accessLog?: boolean }): Record<string, unknown> {
  return {
    version: o.version,
    workload: { name: o.sa, namespace: o.ns, serviceAccount: o.sa, spiffeId: spiffe(o.ns, o.sa), labels: { app: o.sa } },
    mesh: { trustDomain: TD, mtlsMode: 'STRICT', defaultAction: 'ALLOW' },
    inbound: { ports: [], policies: [], accessLog: false },
    outbound: {
      services: o.services.map((s) => ({
        name: s.name,
        namespace: s.namespace,
        port: s.port,
        protocol: s.protocol,
        hosts: [`${s.name}.${s.namespace}`],
        listenPort: s.listenPort,
        listenAddress: '127.0.0.1',
        identities: s.identities ?? [s.identity],
        endpoints: [{ address: '127.0.0.1', port: s.endpointPort, identity: s.identity, ready: true }],
      })),
      accessLog: o.accessLog ?? false,
    },
  };
}
