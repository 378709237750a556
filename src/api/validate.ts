/**
 * The resource validator: one Ajv instance compiles every kind's JSON Schema once (the same JSON
 * the TypeScript types and the CRDs come from). Validating a document collects every problem, each
 * with its field path; a valid document comes back as a frozen, typed resource with every default
 * of its schema filled in. The caller's object is never changed.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { err, ok, type Result } from '../core/result.js';
import { describeValue, problemsFromAjv, quote } from './ajv-problems.js';
import { deepFreeze } from './deep-freeze.js';
import { fieldChecks, type FieldProblem } from './field-checks.js';
import { pointerToPath } from './field-path.js';
import { checkKind } from './kind-checks.js';
import { findKind, kinds, type KindInfo } from './kinds.js';
import { problem, type Problem } from './problem.js';
import type { Resource } from './resource.js';
import { isRecord } from '../core/is-record.js';

export interface ValidatedResource {
  readonly resource: Resource;
  /** Problems that do not make the resource invalid (it still works, maybe not as meant). */
  readonly warnings: readonly Problem[];
}

export interface ResourceValidator {
  /** Validates one raw document (parsed YAML or JSON). On failure, every problem (errors and warnings). */
  validate(raw: unknown): Result<ValidatedResource, readonly Problem[]>;
}

interface CollectedProblem extends FieldProblem {
  readonly at: string;
}

function joinFieldPath(at: string, field: string): string {
  if (field === '') return at;
  if (field.startsWith('[')) return `${at}${field}`;
  return at === '' ? field : `${at}.${field}`;
}

/**
 * Builds the validator. Compiles every kind's schema now (a broken schema or an unknown
 * `x-weft-check` name throws here, at start-up, not on the first document).
 */
export function createResourceValidator(): ResourceValidator {
  // Field checks report through this list rather than failing Ajv, so that they can also warn.
  let collected: CollectedProblem[] = [];
  // verbose: errors carry the data and schema the messages quote. optimize off: compiling is ~6x
  // faster and validation runs at configuration time, never per request.
  const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true, strictTypes: false, code: { optimize: false } });
  ajv.addKeyword({ keyword: 'x-weft-message', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-kubernetes-int-or-string', schemaType: 'boolean' });
  ajv.addKeyword({
    keyword: 'x-weft-check',
    schemaType: 'string',
    compile(name: string) {
      const check = fieldChecks[name];
      if (check === undefined) throw new Error(`schema names an unknown x-weft-check "${name}"`);
      return (data: unknown, cxt?: { instancePath: string }) => {
        const at = pointerToPath(cxt?.instancePath ?? '');
        for (const p of check(data)) collected.push({ ...p, at });
        return true;
      };
    },
  });
  const compiled = new Map<KindInfo, ValidateFunction>();
  for (const k of kinds) compiled.set(k, ajv.compile(k.schema));

  return {
    validate(raw) {
      if (!isRecord(raw)) return err([problem('', `a resource must be a mapping with apiVersion, kind, metadata and spec, not ${describeValue(raw)}`)]);
      const head = identify(raw);
      if (!head.ok) return head;
      const info = head.value;
      const validateKind = compiled.get(info);
      if (validateKind === undefined) return err([problem('kind', `no validator for kind ${info.kind}`)]);
      let doc: unknown;
      try {
        doc = structuredClone(raw);
      } catch {
        return err([problem('', 'the document holds values that are not plain data')]);
      }
      collected = [];
      const schemaOk = validateKind(doc);
      const problems: Problem[] = problemsFromAjv(validateKind.errors);
      for (const c of collected) problems.push(problem(joinFieldPath(c.at, c.field), c.message, c.severity ?? 'error'));
      collected = [];
      if (schemaOk) problems.push(...checkKind(doc as Resource));
      if (!info.namespaced && isRecord(raw['metadata']) && raw['metadata']['namespace'] !== undefined) {
        problems.push(problem('metadata.namespace', `${info.kind} is cluster-scoped; the namespace is ignored`, 'warning'));
      }
      if (!schemaOk || problems.some((p) => p.severity === 'error')) return err(problems);
      return ok({ resource: deepFreeze(doc as Resource), warnings: problems });
    },
  };
}

function identify(raw: Record<string, unknown>): Result<KindInfo, readonly Problem[]> {
  const { apiVersion, kind } = raw;
  const problems: Problem[] = [];
  if (apiVersion === undefined) problems.push(problem('apiVersion', 'required field is missing'));
  else if (typeof apiVersion !== 'string') problems.push(problem('apiVersion', `must be a string, not ${describeValue(apiVersion)}`));
  if (kind === undefined) problems.push(problem('kind', 'required field is missing'));
  else if (typeof kind !== 'string') problems.push(problem('kind', `must be a string, not ${describeValue(kind)}`));
  if (problems.length > 0) return err(problems);
  const info = findKind(apiVersion, kind);
  if (info !== undefined) return ok(info);
  const sameKind = kinds.find((k) => k.kind === kind);
  if (sameKind !== undefined) {
    return err([problem('apiVersion', `${quote(apiVersion)} is not an apiVersion of ${sameKind.kind}; use ${quote(sameKind.apiVersion)}`, 'error', 'WEFT_CONFIG_UNKNOWN_KIND')]);
  }
  const caseless = kinds.find((k) => typeof kind === 'string' && k.kind.toLowerCase() === kind.toLowerCase());
  const hint = caseless !== undefined ? ` (did you mean "${caseless.kind}"?)` : '';
  return err([problem('kind', `${quote(kind)} is not a kind Weft knows${hint}; known kinds: ${kinds.map((k) => k.kind).join(', ')}`, 'error', 'WEFT_CONFIG_UNKNOWN_KIND')]);
}
