/**
 * The table of every resource kind Weft reads: one entry per kind, pointing at its one schema.
 * Validators (`validate.ts`) and CRDs (`crd.ts`) are derived from this table; nothing else declares
 * the shape of a resource.
 */
import type { TSchema } from '@sinclair/typebox';
import { AuthorizationPolicy } from './kinds/authorization-policy.js';
import { Mesh } from './kinds/mesh.js';

export interface KindInfo {
  readonly apiVersion: string;
  readonly kind: string;
  /** Lower-case plural, as in a CRD's `spec.names.plural`. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** True for Weft's own kinds, which ship as CRDs; false for standard kinds. */
  readonly weftKind: boolean;
  readonly schema: TSchema;
}

export const kinds: readonly KindInfo[] = [
  { apiVersion: 'weft.dev/v1alpha1', kind: 'Mesh', plural: 'meshes', namespaced: false, weftKind: true, schema: Mesh },
  { apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', plural: 'authorizationpolicies', namespaced: true, weftKind: true, schema: AuthorizationPolicy },
];

export function findKind(apiVersion: unknown, kind: unknown): KindInfo | undefined {
  return kinds.find((k) => k.apiVersion === apiVersion && k.kind === kind);
}
