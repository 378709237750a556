// Property tests: `weft validate` never crashes. Whatever it is fed (random text, random JSON,
// valid examples mutated in every way, broken YAML), it exits 0 or 1 and, when it exits 1, says
// why in lines of the documented format; it never reports an internal error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { runWeft, type CliRun } from '../../../test/support/cli-io.js';
import { repoPath } from '../../../test/support/repo-root.js';
import { allCommands } from '../commands.js';

const commands = allCommands();
const lineFormat = /^(warning: )?-: (document \d+( \([^)]*\))?: )?(line \d+, column \d+: )?(.+: )?\S.*$/;

function assertClean(run: CliRun, input: string): void {
  const context = `input:\n${input.slice(0, 2000)}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
  assert.ok(run.code === 0 || run.code === 1, `exit ${run.code}\n${context}`);
  assert.ok(!run.stderr.includes('internal error'), context);
  if (run.code === 1) assert.ok(run.stdout.length > 0 || /no documents found/.test(run.stderr), `exit 1 without a reason\n${context}`);
  for (const line of run.stdout.split('\n').filter((l) => l !== '')) assert.match(line, lineFormat, context);
}

async function validateText(text: string): Promise<CliRun> {
  return runWeft(['validate', '-f', '-'], { stdin: text, commands });
}

const exampleDocs: unknown[] = readdirSync(repoPath('examples'), { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .flatMap((f) => {
    const docs = parseAllDocuments(readFileSync(join(repoPath('examples'), f), 'utf8'));
    return (Array.isArray(docs) ? docs : []).flatMap((d): unknown[] => {
      const v: unknown = d.toJS();
      return Array.isArray(v) ? (v as unknown[]) : [v];
    });
  })
  .filter((v) => v !== null);

type Json = unknown;

/** Every path (list of keys/indices) in a value, the root included. */
function pathsOf(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function setAt(root: Json, path: readonly (string | number)[], update: (old: Json) => Json): Json {
  if (path.length === 0) return update(root);
  const [head, ...rest] = path;
  if (Array.isArray(root) && typeof head === 'number') {
    const copy = [...root];
    const next = setAt(copy[head], rest, update);
    if (next === undefined && rest.length === 0) copy.splice(head, 1);
    else copy[head] = next;
    return copy;
  }
  if (typeof root === 'object' && root !== null && typeof head === 'string') {
    const copy: Record<string, Json> = { ...(root as Record<string, Json>) };
    const next = setAt(copy[head], rest, update);
    if (next === undefined) delete copy[head];
    else copy[head] = next;
    return copy;
  }
  return root;
}

const mutation = fc.oneof(
  fc.constant({ op: 'drop' as const }),
  fc.record({ op: fc.constant('replace' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ op: fc.constant('string' as const), value: fc.string({ unit: 'binary', maxLength: 40 }) }),
  fc.record({ op: fc.constant('number' as const), value: fc.oneof(fc.integer(), fc.double({ noNaN: false })) }),
  fc.record({ op: fc.constant('nest' as const), depth: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ op: fc.constant('key' as const), key: fc.string({ maxLength: 12 }), value: fc.jsonValue({ maxDepth: 2 }) }),
);

function applyMutation(doc: Json, path: readonly (string | number)[], m: { readonly op: string; readonly value?: unknown; readonly depth?: number; readonly key?: string }): Json {
  return setAt(doc, path, (old) => {
    switch (m.op) {
      case 'drop':
        return undefined;
      case 'nest': {
        let v: Json = old ?? null;
        for (let i = 0; i < (m.depth ?? 1); i++) v = i % 2 === 0 ? [v] : { a: v };
        return v;
      }
      case 'key':
        return typeof old === 'object' && old !== null && !Array.isArray(old) ? { ...old, [m.key ?? '']: m.value } : m.value;
      default:
        return m.value;
    }
  });
}

test('random text never crashes validate', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: fc.constantFrom(...'{}[]:-,"\'&*!|>#\n \t?%@`abc123'.split('')), maxLength: 200 })), async (text) => {
      assertClean(await validateText(text), text);
    }),
    { numRuns: 300 },
  );
});

test('random JSON values never crash validate', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 6 }), fc.array(fc.object({ maxDepth: 4 }), { maxLength: 4 })), async (value) => {
      const text = JSON.stringify(value) ?? 'null';
      assertClean(await validateText(text), text);
    }),
    { numRuns: 200 },
  );
});

test('mutated valid examples (dropped fields, wrong types, random strings, deep nesting) never crash validate', async () => {
  assert.ok(exampleDocs.length > 20);
  const docArb = fc.constantFrom(...exampleDocs);
  const mutated = docArb.chain((doc) => {
    const paths = pathsOf(doc);
    return fc.array(fc.tuple(fc.constantFrom(...paths), mutation), { minLength: 1, maxLength: 4 }).map((ms) => ms.reduce((d: Json, [path, m]) => applyMutation(d, path, m), doc));
  });
  await fc.assert(
    fc.asyncProperty(mutated, fc.boolean(), async (doc, asJson) => {
      const text = doc === undefined ? '' : asJson ? JSON.stringify(doc) : stringify(doc, { aliasDuplicateObjects: false });
      assertClean(await validateText(text), text);
    }),
    { numRuns: 300 },
  );
});

test('garbage YAML (valid manifests cut and spliced) never crashes validate', async () => {
  const texts = readdirSync(repoPath('examples'), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => readFileSync(join(repoPath('examples'), f), 'utf8'));
  const garbage = fc
    .tuple(fc.constantFrom(...texts), fc.nat(), fc.nat(), fc.string({ unit: fc.constantFrom(...'{}[]:-,"\'&*!|>#\n \t?%'.split('')), maxLength: 8 }))
    .map(([t, a, b, insert]) => {
      const i = a % (t.length + 1);
      const j = Math.min(t.length, i + (b % 20));
      return t.slice(0, i) + insert + t.slice(j);
    });
  await fc.assert(
    fc.asyncProperty(garbage, async (text) => {
      assertClean(await validateText(text), text);
    }),
    { numRuns: 300 },
  );
});

test('exit codes agree with the problems: valid examples pass, and every error line makes exit 1', async () => {
  for (const doc of exampleDocs.slice(0, 10)) {
    const run = await validateText(JSON.stringify(doc));
    assertClean(run, JSON.stringify(doc));
    const errors = run.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '));
    assert.equal(run.code, errors.length > 0 ? 1 : 0, run.stdout);
  }
});
