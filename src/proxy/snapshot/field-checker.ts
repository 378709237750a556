/**
 * Small hand-written shape checks for the proxy snapshot, so that the sidecar does not load a JSON
 * Schema validator (Ajv + TypeBox cost ~20 MB of RSS per sidecar). Each check records every problem
 * with its field path and the wording Ajv used before, and fills defaults into the (copied) value.
 */
import { isRecord } from '../../core/is-record.js';

/** Where problems are collected: a field path (`inbound.ports[0].port`, '' for the document) and what is wrong. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

export type Problems = FieldProblem[];

/** A check of one value at `path`; returns whether it passed. */
export type Check = (value: unknown, path: string, problems: Problems) => boolean;

export function fieldPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** One field of a strict object: its check, whether it must be present, and the default filled in when absent. */
export interface FieldRule {
  readonly check: Check;
  readonly optional?: boolean;
  /** Filled in when the field is absent (a fresh copy each time); a field with a default is never missing. */
  readonly fallback?: () => unknown;
}

/** An object that refuses unknown fields. Unknown and missing fields are reported on the object's path. */
export function strictObject(fields: Readonly<Record<string, FieldRule>>): Check {
  return (value, path, problems) => {
    if (!isRecord(value)) {
      problems.push({ path, message: 'must be object' });
      return false;
    }
    let passed = true;
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(fields, key)) {
        problems.push({ path, message: `has an unknown field "${key}"` });
        passed = false;
      }
    }
    for (const [key, rule] of Object.entries(fields)) {
      if (value[key] === undefined && rule.fallback !== undefined) value[key] = rule.fallback();
      if (value[key] === undefined) {
        if (rule.optional !== true) {
          problems.push({ path, message: `is missing the field "${key}"` });
          passed = false;
        }
        continue;
      }
      if (!rule.check(value[key], fieldPath(path, key), problems)) passed = false;
    }
    return passed;
  };
}

export function arrayOf(item: Check): Check {
  return (value, path, problems) => {
    if (!Array.isArray(value)) {
      problems.push({ path, message: 'must be array' });
      return false;
    }
    let passed = true;
    // An indexed loop, not forEach: a hole in a sparse array is checked as the undefined it reads as.
    for (let i = 0; i < value.length; i++) {
      if (!item(value[i], `${path}[${i}]`, problems)) passed = false;
    }
    return passed;
  };
}

/** Length in code points, as JSON Schema counts it. */
function lengthOf(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export interface StringRule {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: RegExp;
  /** The plain-words problem when the pattern does not match. */
  readonly patternMessage?: string;
}

export function string(rule: StringRule = {}): Check {
  return (value, path, problems) => {
    if (typeof value !== 'string') {
      problems.push({ path, message: 'must be string' });
      return false;
    }
    let passed = true;
    const length = rule.minLength !== undefined || rule.maxLength !== undefined ? lengthOf(value) : 0;
    if (rule.maxLength !== undefined && length > rule.maxLength) {
      problems.push({ path, message: `must NOT have more than ${rule.maxLength} characters` });
      passed = false;
    }
    if (rule.minLength !== undefined && length < rule.minLength) {
      problems.push({ path, message: `must NOT have fewer than ${rule.minLength} characters` });
      passed = false;
    }
    if (rule.pattern !== undefined && !rule.pattern.test(value)) {
      problems.push({ path, message: rule.patternMessage ?? `must match pattern "${rule.pattern.source}"` });
      passed = false;
    }
    return passed;
  };
}

export function integer(minimum: number, maximum: number): Check {
  return (value, path, problems) => {
    if (typeof value !== 'number') {
      problems.push({ path, message: 'must be integer' });
      return false;
    }
    let passed = true;
    if (!Number.isInteger(value)) {
      problems.push({ path, message: 'must be integer' });
      passed = false;
    }
    if (value > maximum) {
      problems.push({ path, message: `must be <= ${maximum}` });
      passed = false;
    }
    if (value < minimum) {
      problems.push({ path, message: `must be >= ${minimum}` });
      passed = false;
    }
    return passed;
  };
}

export const boolean: Check = (value, path, problems) => {
  if (typeof value === 'boolean') return true;
  problems.push({ path, message: 'must be boolean' });
  return false;
};

/** A string from a closed set. */
export function oneOf(values: readonly string[]): Check {
  return (value, path, problems) => {
    if (typeof value !== 'string') {
      problems.push({ path, message: 'must be string' });
      return false;
    }
    if (values.includes(value)) return true;
    problems.push({ path, message: 'must be equal to one of the allowed values' });
    return false;
  };
}

/** A string-to-string map (labels, selectors). */
export const stringMap: Check = (value, path, problems) => {
  if (!isRecord(value)) {
    problems.push({ path, message: 'must be object' });
    return false;
  }
  let passed = true;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      problems.push({ path: fieldPath(path, key), message: 'must be string' });
      passed = false;
    }
  }
  return passed;
};
