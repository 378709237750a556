import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { parseAllDocuments } from 'yaml';
import { createCrd, createWeftCrds, crdsToYaml, toCrdSchema } from './crd.js';
import { structuralProblems } from './crd-structural.js';
import { kinds } from './kinds.js';
import { TrafficPolicy, type TrafficPolicySpec } from './kinds/traffic-policy.js';
import { StrictObject, StringEnum } from './schema-kit.js';

type Lookup<T, P extends readonly string[]> = P extends readonly [infer H extends string, ...infer R extends string[]]
  ? Lookup<NonNullable<T>[H & keyof NonNullable<T>], R>
  : NonNullable<T>;

function node(schema: unknown, ...path: string[]): Record<string, unknown> {
  let cur: unknown = schema;
  for (const p of path) cur = (cur as Record<string, Record<string, unknown>>)['properties']?.[p];
  assert.ok(typeof cur === 'object' && cur !== null, `no node at ${path.join('.')}`);
  return cur as Record<string, unknown>;
}

function allKeys(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      allKeys(v, out);
    }
  }
  return out;
}

test('every Weft kind has a CRD, and every CRD schema is structural', () => {
  const crds = createWeftCrds();
  assert.deepEqual(crds.map((c) => c.spec.names.kind).sort(), kinds.filter((k) => k.weftKind).map((k) => k.kind).sort());
  for (const crd of crds) {
    const version = crd.spec.versions[0];
    assert.ok(version);
    assert.deepEqual(structuralProblems(version.schema.openAPIV3Schema), [], crd.metadata.name);
    const keys = allKeys(version.schema.openAPIV3Schema);
    assert.ok(![...keys].some((k) => k.startsWith('x-weft-')), `${crd.metadata.name} leaks x-weft-* keywords`);
    assert.ok(!keys.has('x-kubernetes-preserve-unknown-fields'), `${crd.metadata.name} preserves unknown fields somewhere`);
    assert.equal(crd.metadata.name, `${crd.spec.names.plural}.${crd.spec.group}`);
  }
});

test('the structural checker refuses what the API server refuses', () => {
  const bad = {
    type: 'object',
    properties: {
      metadata: { type: 'object', properties: { labels: { type: 'object' } } },
      a: { description: 'no type' },
      b: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: false },
      c: { type: 'array' },
      d: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      e: { type: 'string', const: 'x', 'x-weft-message': 'm' },
      f: { type: 'string', enum: ['a', 1], default: 2 },
      g: { type: 'object', patternProperties: { '.*': { type: 'string' } } },
    },
  };
  const problems = structuralProblems(bad);
  for (const expected of [
    'openAPIV3Schema.properties.a: has no type',
    'openAPIV3Schema.properties.b: properties and additionalProperties are mutually exclusive',
    'openAPIV3Schema.properties.b: additionalProperties must be a schema, not a boolean',
    'openAPIV3Schema.properties.c: an array needs one items schema',
    'openAPIV3Schema.properties.d: has no type',
    'openAPIV3Schema.properties.e: "const" is not allowed in a CRD schema',
    'openAPIV3Schema.properties.e: "x-weft-message" is not allowed in a CRD schema',
    'openAPIV3Schema.properties.f: enum value 1 is not of type "string"',
    'openAPIV3Schema.properties.f: default is not of type "string"',
    'openAPIV3Schema.properties.g: "patternProperties" is not allowed in a CRD schema',
    'openAPIV3Schema.properties.metadata: only type and restrictions of name and generateName are allowed',
  ]) {
    assert.ok(problems.includes(expected), `missing: ${expected}\n${problems.join('\n')}`);
  }
});

test('CRD schema and validator schema are one declaration (the documented transform, nothing more)', () => {
  for (const info of kinds.filter((k) => k.weftKind)) {
    const crdSpec = node(createCrd(info).spec.versions[0]?.schema.openAPIV3Schema, 'spec');
    assert.deepEqual(crdSpec, node(toCrdSchema(info.schema), 'spec'));
    // The spec's field names, required list and descriptions are the declaration's.
    const declared = node(info.schema, 'spec');
    assert.deepEqual(Object.keys(node(crdSpec)['properties'] as object), Object.keys(declared['properties'] as object), info.kind);
    assert.deepEqual(crdSpec['required'], declared['required'], info.kind);
    assert.equal(crdSpec['description'], declared['description'], info.kind);
  }
  // Enum values, defaults and limits come straight through.
  const algorithm = node(toCrdSchema(TrafficPolicy), 'spec', 'loadBalancer', 'algorithm');
  assert.deepEqual(algorithm, {
    default: 'LEAST_REQUEST',
    description: node(TrafficPolicy, 'spec', 'loadBalancer', 'algorithm')['description'],
    type: 'string',
    enum: ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'],
  });
});

test('change one field in a declaration and both the type and the CRD change', () => {
  // Compile-time: the TS type of the field is the schema's enum. Adding a value to the StringEnum
  // makes this Record miss a key (a type error); removing one makes a key unknown (a type error).
  type Algorithm = Lookup<TrafficPolicySpec, ['loadBalancer', 'algorithm']>;
  const everyAlgorithm: Record<Algorithm, true> = { ROUND_ROBIN: true, LEAST_REQUEST: true, RANDOM: true };
  const crdEnum = node(toCrdSchema(TrafficPolicy), 'spec', 'loadBalancer', 'algorithm')['enum'];
  assert.deepEqual(Object.keys(everyAlgorithm).sort(), [...(crdEnum as string[])].sort());
  // A numeric field is a number in the type and an integer in the CRD.
  const maxConnections: Lookup<TrafficPolicySpec, ['connectionPool', 'maxConnections']> = 1;
  assert.equal(typeof maxConnections, 'number');
  assert.equal(node(toCrdSchema(TrafficPolicy), 'spec', 'connectionPool', 'maxConnections')['type'], 'integer');

  // Run-time: derive a changed kind from a declaration; the CRD follows the change.
  const Changed = StrictObject({ ...TrafficPolicy.properties, spec: StrictObject({ ...TrafficPolicy.properties.spec.properties, newField: Type.Optional(StringEnum(['A', 'B'] as const)) }) });
  const changedSpec = node(toCrdSchema(Changed), 'spec');
  assert.deepEqual(node(changedSpec, 'newField'), { type: 'string', enum: ['A', 'B'] });
  assert.equal(node(toCrdSchema(TrafficPolicy), 'spec')['properties'] !== undefined, true);
  assert.equal((node(toCrdSchema(TrafficPolicy), 'spec')['properties'] as Record<string, unknown>)['newField'], undefined);
});

test('int-or-string, maps and free-form nodes take their structural forms', () => {
  const schema = toCrdSchema(
    StrictObject({
      spec: StrictObject({
        port: Type.Union([Type.Integer(), Type.String()], { 'x-kubernetes-int-or-string': true, description: 'p' }),
        labels: Type.Record(Type.String(), Type.String()),
        anything: Type.Unknown(),
        fixed: Type.Literal('x'),
      }),
    }),
  );
  assert.deepEqual(node(schema, 'spec', 'port'), { description: 'p', 'x-kubernetes-int-or-string': true });
  assert.deepEqual(node(schema, 'spec', 'labels'), { type: 'object', additionalProperties: { type: 'string' } });
  assert.deepEqual(node(schema, 'spec', 'anything'), { 'x-kubernetes-preserve-unknown-fields': true });
  assert.deepEqual(node(schema, 'spec', 'fixed'), { type: 'string', enum: ['x'] });
  assert.deepEqual(structuralProblems(schema), []);
});

test('the CRD YAML stream parses back to the same objects', () => {
  const crds = createWeftCrds();
  const docs = parseAllDocuments(crdsToYaml(crds));
  assert.ok(Array.isArray(docs));
  assert.deepEqual(docs.map((d) => d.toJS() as unknown), JSON.parse(JSON.stringify(crds)));
});

test('every default is documented in its description ("Default ...")', () => {
  const missing: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    const description = typeof n['description'] === 'string' ? n['description'] : '';
    if (n['default'] !== undefined && !/Default/.test(description)) missing.push(path);
    for (const [k, v] of Object.entries(n)) if (k !== 'default') walk(v, `${path}.${k}`);
  };
  for (const k of kinds) walk(JSON.parse(JSON.stringify(k.schema)), k.kind);
  assert.deepEqual(missing, []);
});
