/** Kubernetes `v1 Namespace`: a name and labels. */
import { ClusterObjectMeta } from '../meta.js';
import { StrictObject, Type, type Static } from '../schema-kit.js';

export const Namespace = StrictObject(
  {
    apiVersion: Type.Literal('v1'),
    kind: Type.Literal('Namespace'),
    metadata: ClusterObjectMeta,
    spec: Type.Optional(StrictObject({ finalizers: Type.Optional(Type.Array(Type.String())) })),
    status: Type.Optional(Type.Unknown({ description: 'Written by the cluster; ignored.' })),
  },
  { description: 'A namespace: the unit of naming and of identity (spiffe://<td>/ns/<namespace>/sa/<sa>).' },
);
export type Namespace = Static<typeof Namespace>;
