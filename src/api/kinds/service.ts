/** Kubernetes `v1 Service`: the subset Weft reads (selector, ports, type, addresses, traffic distribution). */
import { ObjectMeta } from '../meta.js';
import { NonEmptyString, PatternString, PortNumber, PortNumberOrName, StrictObject, StringEnum, StringMap, Type, portNamePattern, type Static } from '../schema-kit.js';

export const ServicePort = StrictObject(
  {
    name: Type.Optional(PatternString(portNamePattern, 'is not a port name (lower-case letters, digits and "-")', { maxLength: 63, description: 'Required when there is more than one port.' })),
    protocol: Type.Optional(StringEnum(['TCP', 'UDP', 'SCTP'] as const, { default: 'TCP', description: 'Transport protocol. Default TCP.' })),
    appProtocol: Type.Optional(
      NonEmptyString({ description: 'Application protocol: http, http2 (kubernetes.io/h2c), grpc, tcp; tells the proxy how to handle the port without detection.' }),
    ),
    port: PortNumber({ description: 'The port the Service exposes.' }),
    targetPort: Type.Optional(PortNumberOrName({ description: "The workload's port, by number or name. Default: the same as port." })),
    nodePort: Type.Optional(PortNumber()),
  },
  { description: 'A port of the Service.' },
);
export type ServicePort = Static<typeof ServicePort>;

export const ServiceSpec = StrictObject({
  selector: Type.Optional(StringMap({ description: 'Workloads carrying all these labels are the endpoints.' })),
  ports: Type.Optional(Type.Array(ServicePort, { description: 'The ports of the Service.' })),
  type: Type.Optional(
    StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const, { default: 'ClusterIP', description: 'Default ClusterIP.' }),
  ),
  clusterIP: Type.Optional(Type.String({ description: 'Virtual IP; "None" for a headless Service. Assigned when absent.' })),
  clusterIPs: Type.Optional(Type.Array(Type.String())),
  externalName: Type.Optional(Type.String()),
  ipFamilies: Type.Optional(Type.Array(StringEnum(['IPv4', 'IPv6'] as const))),
  ipFamilyPolicy: Type.Optional(StringEnum(['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const)),
  sessionAffinity: Type.Optional(StringEnum(['None', 'ClientIP'] as const, { default: 'None', description: 'Default None.' })),
  internalTrafficPolicy: Type.Optional(StringEnum(['Cluster', 'Local'] as const, { default: 'Cluster', description: 'Default Cluster.' })),
  publishNotReadyAddresses: Type.Optional(Type.Boolean()),
  // Accepted (for manifests exported from a cluster) but not used by Weft:
  externalTrafficPolicy: Type.Optional(StringEnum(['Cluster', 'Local'] as const)),
  externalIPs: Type.Optional(Type.Array(Type.String())),
  loadBalancerIP: Type.Optional(Type.String()),
  loadBalancerClass: Type.Optional(Type.String()),
  loadBalancerSourceRanges: Type.Optional(Type.Array(Type.String())),
  allocateLoadBalancerNodePorts: Type.Optional(Type.Boolean()),
  healthCheckNodePort: Type.Optional(Type.Integer()),
  sessionAffinityConfig: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  trafficDistribution: Type.Optional(
    StringEnum(['PreferClose', 'PreferSameZone', 'PreferSameNode'] as const, {
      description: 'Prefer endpoints in the caller\'s zone (PreferClose, PreferSameZone) or node; absent: spread over all endpoints.',
    }),
  ),
});
export type ServiceSpec = Static<typeof ServiceSpec>;

export const Service = StrictObject(
  {
    apiVersion: Type.Literal('v1'),
    kind: Type.Literal('Service'),
    metadata: ObjectMeta,
    spec: ServiceSpec,
    status: Type.Optional(Type.Unknown({ description: 'Written by the cluster; ignored.' })),
  },
  { description: 'A stable name and virtual address for a set of workloads.' },
);
export type Service = Static<typeof Service>;
