/**
 * Mesh-wide settings from the `Mesh` resource, or the defaults (trust domain cluster.local, STRICT
 * mutual TLS, default action ALLOW) when there is none. There should be one Mesh; when there are
 * several, the one named "default" wins, else the first by name (deterministic, and `weft validate`
 * users see only one in practice).
 */
import type { Resource, ResourceOf } from '../../api/resource.js';
import type { MeshSettings } from '../../proxy/snapshot/proxy-snapshot.js';

export const defaultMeshSettings: MeshSettings = Object.freeze({ trustDomain: 'cluster.local', mtlsMode: 'STRICT', defaultAction: 'ALLOW' });

/** `resources` in world order (sorted by name within a kind). */
export function meshSettingsOf(resources: readonly Resource[]): MeshSettings {
  const meshes = resources.filter((r): r is ResourceOf<'Mesh'> => r.kind === 'Mesh');
  const mesh = meshes.find((m) => m.metadata.name === 'default') ?? meshes[0];
  if (mesh === undefined) return defaultMeshSettings;
  return Object.freeze({
    trustDomain: mesh.spec.trustDomain,
    mtlsMode: mesh.spec.mtls.mode,
    defaultAction: mesh.spec.defaultAction,
  });
}

/** spiffe://<td>/ns/<ns>/sa/<sa> */
export function spiffeIdOf(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}
