/**
 * Turns Ajv's errors into problems in plain words, each at the field it is about: an unknown field
 * names the field itself (with a "did you mean" when one is close), a missing field names the
 * missing field, a pattern failure says what the value should look like (`x-weft-message`).
 */
import type { ErrorObject } from 'ajv';
import { joinPath, pointerToPath } from './field-path.js';
import { problem, type Problem } from './problem.js';

/** A value described for a message: `a string ("abc")`, `a number (7)`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `a string (${quote(value)})`;
    case 'number':
      return `a number (${value})`;
    case 'boolean':
      return `${value}`;
    case 'object':
      return 'a mapping';
    case 'bigint':
    case 'symbol':
    case 'undefined':
    case 'function':
      return typeof value;
  }
  return 'a value';
}

/**
 * Quotes a user's value for a message, cut short when it is long. Lists and mappings are described,
 * not converted: `String()` of a user's mapping can throw (`{toString: false}`) or say nothing useful.
 */
export function quote(value: unknown): string {
  if (typeof value === 'object' && value !== null) return describeValue(value);
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

const typeWords: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'null',
};

function typeWord(type: unknown): string {
  if (Array.isArray(type)) return type.map(typeWord).join(' or ');
  return typeof type === 'string' ? (typeWords[type] ?? type) : 'of another type';
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

/** The known field closest to a misspelt one, if any is close enough to be a likely typo. */
export function closestField(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = k.toLowerCase() === unknown.toLowerCase() ? 0 : editDistance(unknown, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(unknown.length / 4)) ? best : undefined;
}

function messageOf(e: ErrorObject): { path: string; message: string } {
  const path = pointerToPath(e.instancePath);
  const params = record(e.params);
  const parent = record(e.parentSchema);
  const data: unknown = e.data;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(params['additionalProperty']);
      const hint = closestField(field, Object.keys(record(parent['properties'])));
      return { path: joinPath(path, field), message: `unknown field${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}` };
    }
    case 'required':
      return { path: joinPath(path, String(params['missingProperty'])), message: 'required field is missing' };
    case 'type':
      return { path, message: `must be ${typeWord(params['type'])}, not ${describeValue(data)}` };
    case 'enum': {
      const values = Array.isArray(params['allowedValues']) ? params['allowedValues'].map((v) => String(v)).join(', ') : '';
      return { path, message: `${quote(data)} is not one of: ${values}` };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify(params['allowedValue'])}` };
    case 'pattern': {
      const said = parent['x-weft-message'];
      return { path, message: typeof said === 'string' ? `${quote(data)} ${said}` : `${quote(data)} does not match the pattern ${String(params['pattern'])}` };
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return { path, message: `${String(data)} is less than the minimum, ${String(params['limit'])}` };
    case 'maximum':
    case 'exclusiveMaximum':
      return { path, message: `${String(data)} is more than the maximum, ${String(params['limit'])}` };
    case 'minLength':
      return { path, message: params['limit'] === 1 ? 'must not be empty' : `must be at least ${String(params['limit'])} characters long` };
    case 'maxLength':
      return { path, message: `is longer than ${String(params['limit'])} characters` };
    case 'minItems':
      return { path, message: `must have at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}` };
    case 'maxItems':
      return { path, message: `has more than ${String(params['limit'])} items` };
    case 'anyOf': {
      const branches = Array.isArray(parent['anyOf']) ? parent['anyOf'].map((b) => typeWord(record(b)['type'])) : [];
      return { path, message: `must be ${branches.join(' or ')}, not ${describeValue(data)}` };
    }
    default:
      return { path, message: e.message ?? `fails the ${e.keyword} rule` };
  }
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * For a union (`anyOf`), keep only the errors of the branch whose type fits the value (a port
 * number out of range says so), or one "must be X or Y" line when no branch fits.
 */
function pruneUnions(errors: readonly ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  if (unions.length === 0) return [...errors];
  const drop = new Set<ErrorObject>();
  for (const u of unions) {
    const prefix = `${u.schemaPath}/`;
    const inside = errors.filter((e) => e.schemaPath.startsWith(prefix) && (e.instancePath === u.instancePath || e.instancePath.startsWith(`${u.instancePath}/`)));
    const branches = Array.isArray(record(u.parentSchema)['anyOf']) ? (record(u.parentSchema)['anyOf'] as unknown[]) : [];
    const type = jsonType(u.data);
    const fitting = branches.findIndex((b) => {
      const t = record(b)['type'];
      return t === type || (t === 'number' && type === 'integer');
    });
    const keep = fitting < 0 ? [] : inside.filter((e) => e.schemaPath.startsWith(`${prefix}${fitting}/`));
    for (const e of inside) if (!keep.includes(e)) drop.add(e);
    if (keep.length > 0) drop.add(u);
  }
  return errors.filter((e) => !drop.has(e));
}

/** Problems (all errors) for Ajv's errors, deduplicated, in the order Ajv found them. */
export function problemsFromAjv(errors: readonly ErrorObject[] | null | undefined): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const e of pruneUnions(errors ?? [])) {
    const { path, message } = messageOf(e);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem(path, message));
  }
  return out;
}
