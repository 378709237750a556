/**
 * CustomResourceDefinitions (`apiextensions.k8s.io/v1`) for Weft's kinds, derived from the very
 * JSON Schema the validator uses. `toCrdSchema` is the one documented transform:
 *
 * - `x-weft-*` keywords (messages, check names) are dropped: they mean nothing to the API server;
 * - `additionalProperties: false` is dropped: the API server prunes unknown fields, and
 *   `kubectl apply` (strict field validation) reports them; properties and additionalProperties
 *   may not both be set in a structural schema;
 * - a map (`patternProperties` from `Type.Record`) becomes `additionalProperties: <schema>`;
 * - an int-or-string union becomes `x-kubernetes-int-or-string: true` (its one allowed form);
 * - `const` becomes a one-value `enum`; a node without a type (free-form data) becomes
 *   `x-kubernetes-preserve-unknown-fields: true` (only `status`-like fields, none in Weft kinds);
 * - at the root, `metadata` is `{type: object}` (the API server owns its schema) and `apiVersion`
 *   and `kind` are plain strings.
 *
 * Everything else (types, descriptions, defaults, enums, patterns, limits, required) is kept as is,
 * so the CRD and the TypeScript type cannot drift: change the declaration and both change.
 */
import { stringify } from 'yaml';
import { kinds, type KindInfo } from './kinds.js';
import { isRecord } from '../core/is-record.js';

export type JsonSchema = { readonly [key: string]: unknown };

const droppedKeys = new Set(['$id', '$schema', 'additionalProperties', 'patternProperties', 'const', 'anyOf']);

function transformNode(node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (node['x-kubernetes-int-or-string'] === true) {
    if (typeof node['description'] === 'string') out['description'] = node['description'];
    if (node['default'] !== undefined) out['default'] = node['default'];
    out['x-kubernetes-int-or-string'] = true;
    return out;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-weft-') || droppedKeys.has(key)) continue;
    if (key === 'properties' && isRecord(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, transformNode(isRecord(child) ? child : {})]));
    } else if (key === 'items' && isRecord(value)) {
      out[key] = transformNode(value);
    } else {
      out[key] = value;
    }
  }
  if (node['const'] !== undefined) out['enum'] = [node['const']];
  const pattern = node['patternProperties'];
  if (isRecord(pattern)) {
    const [valueSchema] = Object.values(pattern);
    out['additionalProperties'] = transformNode(isRecord(valueSchema) ? valueSchema : {});
  } else if (isRecord(node['additionalProperties'])) {
    out['additionalProperties'] = transformNode(node['additionalProperties']);
  }
  if (out['type'] === undefined && out['x-kubernetes-int-or-string'] === undefined) out['x-kubernetes-preserve-unknown-fields'] = true;
  return out;
}

/** The CRD `openAPIV3Schema` of a resource schema (see the transform above). */
export function toCrdSchema(resourceSchema: unknown): JsonSchema {
  // JSON round trip: a plain copy without TypeBox's symbol keys.
  const plain = JSON.parse(JSON.stringify(resourceSchema)) as unknown;
  const root = transformNode(isRecord(plain) ? plain : {});
  const properties = isRecord(root['properties']) ? { ...root['properties'] } : {};
  properties['apiVersion'] = { type: 'string', description: 'The API version, weft.dev/v1alpha1.' };
  properties['kind'] = { type: 'string', description: 'The kind of the resource.' };
  properties['metadata'] = { type: 'object' };
  const required = Array.isArray(root['required']) ? root['required'].filter((r) => r === 'spec') : [];
  return { ...root, type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: {
    readonly group: string;
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
      readonly shortNames?: readonly string[];
      readonly categories: readonly string[];
    };
    readonly scope: 'Namespaced' | 'Cluster';
    readonly versions: readonly {
      readonly name: string;
      readonly served: boolean;
      readonly storage: boolean;
      readonly schema: { readonly openAPIV3Schema: JsonSchema };
    }[];
  };
}

/** The CRD of one Weft kind. */
export function createCrd(info: KindInfo): CustomResourceDefinition {
  const [group = '', version = ''] = info.apiVersion.split('/');
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${info.plural}.${group}`, labels: { 'app.kubernetes.io/part-of': 'weft' } },
    spec: {
      group,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.kind.toLowerCase(),
        ...(info.shortNames !== undefined ? { shortNames: info.shortNames } : {}),
        categories: ['weft'],
      },
      scope: info.namespaced ? 'Namespaced' : 'Cluster',
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: toCrdSchema(info.schema) } }],
    },
  };
}

/** The CRDs of every Weft kind (standard kinds are not ours to define). */
export function createWeftCrds(): CustomResourceDefinition[] {
  return kinds.filter((k) => k.weftKind).map(createCrd);
}

/** CRDs as one multi-document YAML stream, ready for `kubectl apply -f -`. */
export function crdsToYaml(crds: readonly CustomResourceDefinition[]): string {
  return crds.map((crd) => `---\n${stringify(crd, { lineWidth: 0 })}`).join('');
}
