/**
 * Checks that a CRD schema is structural and uses only what `apiextensions.k8s.io/v1` accepts
 * (Kubernetes docs, "Specifying a structural schema"), so a CRD is refused here, in a test, and
 * not by a cluster at install time. Returns one line per violation, with the path of the node.
 */
import { isRecord } from '../core/is-record.js';
const allowedKeys = new Set([
  'type', 'format', 'title', 'description', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum', 'maxProperties',
  'minProperties', 'required', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties',
  'nullable', 'example', 'externalDocs',
]);
const junctors = ['allOf', 'anyOf', 'oneOf', 'not'];
const types = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

function typeOfValue(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function fits(type: unknown, value: unknown): boolean {
  const actual = typeOfValue(value);
  return type === actual || (type === 'number' && actual === 'integer');
}

function checkNode(node: unknown, path: string, out: string[]): void {
  if (!isRecord(node)) {
    out.push(`${path}: is not a schema object`);
    return;
  }
  for (const key of Object.keys(node)) {
    if (!allowedKeys.has(key) && !key.startsWith('x-kubernetes-')) out.push(`${path}: "${key}" is not allowed in a CRD schema`);
  }
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  const type = node['type'];
  const typeName = JSON.stringify(type);
  if (type === undefined && !intOrString && !preserve) out.push(`${path}: has no type`);
  if (type !== undefined && (typeof type !== 'string' || !types.has(type))) out.push(`${path}: type ${typeName} is not a CRD type`);
  for (const j of junctors) if (node[j] !== undefined) out.push(`${path}: "${j}" is not used in Weft CRDs (keep schemas structural and simple)`);
  if (node['uniqueItems'] === true) out.push(`${path}: uniqueItems true is not allowed`);
  if (typeof node['exclusiveMinimum'] === 'number' || typeof node['exclusiveMaximum'] === 'number') out.push(`${path}: exclusiveMinimum/Maximum must be booleans in OpenAPI v3.0`);
  if (node['properties'] !== undefined && node['additionalProperties'] !== undefined) out.push(`${path}: properties and additionalProperties are mutually exclusive`);
  if (typeof node['additionalProperties'] === 'boolean') out.push(`${path}: additionalProperties must be a schema, not a boolean`);
  if (type === 'array' && !isRecord(node['items'])) out.push(`${path}: an array needs one items schema`);
  if (type !== 'object' && (node['properties'] !== undefined || node['additionalProperties'] !== undefined)) out.push(`${path}: properties on a non-object`);
  if (Array.isArray(node['enum'])) {
    for (const v of node['enum']) if (!fits(type, v)) out.push(`${path}: enum value ${JSON.stringify(v)} is not of type ${typeName}`);
  }
  if (node['default'] !== undefined && type !== undefined && !fits(type, node['default'])) out.push(`${path}: default is not of type ${typeName}`);
  if (Array.isArray(node['required']) && isRecord(node['properties'])) {
    for (const r of node['required']) if (typeof r !== 'string' || !(r in node['properties'])) out.push(`${path}: required "${String(r)}" is not a property`);
  }
  if (isRecord(node['properties'])) for (const [name, child] of Object.entries(node['properties'])) checkNode(child, `${path}.properties.${name}`, out);
  if (isRecord(node['additionalProperties'])) checkNode(node['additionalProperties'], `${path}.additionalProperties`, out);
  if (isRecord(node['items'])) checkNode(node['items'], `${path}.items`, out);
}

/** Violations of the structural-schema rules in a CRD's `openAPIV3Schema`; empty when it is fine. */
export function structuralProblems(openAPIV3Schema: unknown): string[] {
  const out: string[] = [];
  checkNode(openAPIV3Schema, 'openAPIV3Schema', out);
  if (isRecord(openAPIV3Schema)) {
    if (openAPIV3Schema['type'] !== 'object') out.push('openAPIV3Schema: the root must be of type object');
    const props = isRecord(openAPIV3Schema['properties']) ? openAPIV3Schema['properties'] : {};
    const meta = props['metadata'];
    if (meta !== undefined) {
      const keys = isRecord(meta) ? Object.keys(meta) : [];
      const extra = keys.filter((k) => k !== 'type' && k !== 'properties');
      const metaProps = isRecord(meta) && isRecord(meta['properties']) ? Object.keys(meta['properties']) : [];
      if (extra.length > 0 || metaProps.some((p) => p !== 'name' && p !== 'generateName')) {
        out.push('openAPIV3Schema.properties.metadata: only type and restrictions of name and generateName are allowed');
      }
    }
  }
  return out;
}
