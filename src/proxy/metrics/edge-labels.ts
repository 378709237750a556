/**
 * Edge labels from what a proxy knows: its own workload (snapshot), the peer's SPIFFE ID (inbound,
 * from the client certificate) or the called service (outbound). Build once per connection (or
 * cache per peer identity) and pass to `ProxyMetrics.bindEdge`.
 */
import type { OutboundService, WorkloadIdentity } from '../snapshot/proxy-snapshot.js';
import type { EdgeLabels, MetricsProtocol } from './proxy-metrics.js';

/** `ns` and `sa` of `spiffe://td/ns/<ns>/sa/<sa>`, or '' each when the ID has another shape. */
function spiffeParts(id: string): { ns: string; sa: string } {
  const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(id);
  return m === null ? { ns: '', sa: '' } : { ns: m[1] ?? '', sa: m[2] ?? '' };
}

/**
 * Labels for traffic arriving at this workload. The inbound side knows the caller only by its
 * SPIFFE ID, so `source_workload` is the caller's service account (Weft's workloads run one per
 * service account by convention); all source labels are '' for an unauthenticated caller.
 */
export function inboundEdgeLabels(self: WorkloadIdentity, peerPrincipal: string | undefined, protocol: MetricsProtocol, destinationService = ''): EdgeLabels {
  const peer = peerPrincipal ?? '';
  const { ns, sa } = spiffeParts(peer);
  return {
    direction: 'inbound',
    sourceWorkload: sa,
    sourceNamespace: ns,
    sourcePrincipal: peer,
    destinationWorkload: self.name,
    destinationNamespace: self.namespace,
    destinationService,
    protocol,
  };
}

/** Labels for traffic this workload sends to a service (`destination_service` is `name.namespace`). */
export function outboundEdgeLabels(self: WorkloadIdentity, service: OutboundService, protocol: MetricsProtocol, peerPrincipal?: string): EdgeLabels {
  const { sa } = spiffeParts(peerPrincipal ?? '');
  return {
    direction: 'outbound',
    sourceWorkload: self.name,
    sourceNamespace: self.namespace,
    sourcePrincipal: self.spiffeId,
    destinationWorkload: sa,
    destinationNamespace: service.namespace,
    destinationService: `${service.name}.${service.namespace}`,
    protocol,
  };
}
