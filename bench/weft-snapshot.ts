// Pure: the two proxy snapshots of the Weft chain (W). hop 1 is the client's sidecar (an explicit
// outbound listener for the service), hop 2 the server's sidecar (an explicit inbound listener in
// front of the upstream), with an AuthorizationPolicy that lets the client identity in, and access
// logs on, so the run measures the proxy with its policy, metrics and log plumbing, not a bare pipe.
import type { ProxySnapshot } from '../src/proxy/snapshot/proxy-snapshot.js';
import { clientSpiffeId, serverSpiffeId, trustDomain } from './configs.js';

export interface WeftChainPorts {
  /** hop 1's explicit outbound listener: where the load generator connects. */
  readonly hop1Listen: number;
  /** hop 2's explicit inbound (mTLS) listener. */
  readonly hop2Listen: number;
  /** The upstream application's port on 127.0.0.1. */
  readonly upstream: number;
}

const serviceName = 'upstream';
const namespace = 'default';

/** Istio's principal form (no scheme) of a SPIFFE ID, as AuthorizationPolicy manifests write it. */
function principal(spiffeId: string): string {
  return spiffeId.replace(/^spiffe:\/\//, '');
}

/** The client sidecar's snapshot: one outbound service on an explicit 127.0.0.1 listener. */
export function weftHop1Snapshot(p: WeftChainPorts): ProxySnapshot {
  return {
    version: 'bench-hop1-1',
    workload: { name: 'client', namespace, serviceAccount: 'client', spiffeId: clientSpiffeId, labels: { app: 'client' } },
    mesh: { trustDomain, mtlsMode: 'STRICT', defaultAction: 'ALLOW' },
    inbound: { ports: [], policies: [], accessLog: true },
    outbound: {
      accessLog: true,
      services: [
        {
          name: serviceName,
          namespace,
          port: p.upstream,
          protocol: 'http',
          hosts: [`${serviceName}.${namespace}`, `127.0.0.1:${p.hop1Listen}`],
          listenAddress: '127.0.0.1',
          listenPort: p.hop1Listen,
          identities: [serverSpiffeId],
          endpoints: [{ address: '127.0.0.1', port: p.hop2Listen, identity: serverSpiffeId, ready: true }],
        },
      ],
    },
  };
}

/**
 * The server sidecar's snapshot: the upstream's port behind an explicit mTLS listener, and two
 * policies that the authorizer evaluates on every request (DENY first, then ALLOW): admin paths are
 * denied to everyone, and only the client identity may GET or HEAD.
 */
export function weftHop2Snapshot(p: WeftChainPorts): ProxySnapshot {
  return {
    version: 'bench-hop2-1',
    workload: { name: serviceName, namespace, serviceAccount: 'server', spiffeId: serverSpiffeId, labels: { app: serviceName } },
    mesh: { trustDomain, mtlsMode: 'STRICT', defaultAction: 'ALLOW' },
    inbound: {
      accessLog: true,
      ports: [{ port: p.upstream, protocol: 'http', appAddress: '127.0.0.1', listenAddress: '127.0.0.1', listenPort: p.hop2Listen }],
      policies: [
        {
          name: 'deny-admin',
          namespace,
          spec: { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] },
        },
        {
          name: 'allow-client',
          namespace,
          spec: {
            action: 'ALLOW',
            rules: [{ from: [{ source: { principals: [principal(clientSpiffeId)] } }], to: [{ operation: { methods: ['GET', 'HEAD'] } }] }],
          },
        },
      ],
    },
    outbound: { services: [], accessLog: false },
  };
}
