import { PatternString, StrictObject, StringMap, Type, dnsLabelPattern, dnsSubdomainPattern, type Static } from './schema-kit.js';

const namespaceMessage = 'is not a valid namespace (lower-case letters, digits and "-", at most 63 characters)';

/**
 * The subset of Kubernetes `ObjectMeta` Weft reads, for namespaced kinds; server-managed fields are
 * accepted and kept. The validator fills in `namespace: default` when it is absent.
 */
export const ObjectMeta = StrictObject({
  name: PatternString(dnsSubdomainPattern, 'is not a valid name (lower-case letters, digits, "-" and ".", at most 253 characters)', {
    maxLength: 253,
    description: 'Name of the resource, unique within its namespace and kind.',
  }),
  namespace: Type.Optional(
    PatternString(dnsLabelPattern, namespaceMessage, {
      maxLength: 63,
      default: 'default',
      description: 'Namespace of the resource. Default "default".',
    }),
  ),
  labels: Type.Optional(StringMap({ description: 'Labels, matched by selectors.' })),
  annotations: Type.Optional(StringMap({ description: 'Free-form annotations.' })),
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String({ description: 'Set by the store; used for optimistic concurrency.' })),
  generation: Type.Optional(Type.Integer()),
  creationTimestamp: Type.Optional(Type.String()),
  // Written by the API server or controllers; accepted so `kubectl get -o yaml` output validates.
  generateName: Type.Optional(Type.String()),
  finalizers: Type.Optional(Type.Array(Type.String())),
  ownerReferences: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
  managedFields: Type.Optional(Type.Array(Type.Unknown())),
  deletionTimestamp: Type.Optional(Type.String()),
  deletionGracePeriodSeconds: Type.Optional(Type.Integer()),
  selfLink: Type.Optional(Type.String()),
});
export type ObjectMeta = Static<typeof ObjectMeta>;

/** `ObjectMeta` for cluster-scoped kinds (Namespace, Mesh): a namespace, if written, is ignored (and warned about). */
export const ClusterObjectMeta = StrictObject({
  ...ObjectMeta.properties,
  namespace: Type.Optional(PatternString(dnsLabelPattern, namespaceMessage, { maxLength: 63, description: 'Ignored: the kind is cluster-scoped.' })),
});
export type ClusterObjectMeta = Static<typeof ClusterObjectMeta>;

/** A label selector as Kubernetes writes it (only `matchLabels`, as Istio's workload selector). */
export const WorkloadSelector = StrictObject(
  { matchLabels: StringMap({ description: 'Labels a workload must carry to be selected.' }) },
  { description: 'Selects workloads by their labels.' },
);
export type WorkloadSelector = Static<typeof WorkloadSelector>;

/** Gateway API style reference to another resource, used for policy attachment. */
export const PolicyTargetRef = StrictObject({
  group: Type.String({ description: 'API group of the target; "" for core kinds such as Service.' }),
  kind: Type.String({ description: 'Kind of the target, for example Service or Gateway.' }),
  name: Type.String({ description: 'Name of the target, in the policy\'s namespace.' }),
});
export type PolicyTargetRef = Static<typeof PolicyTargetRef>;
