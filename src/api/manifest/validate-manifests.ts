/**
 * Validates a set of manifests: parse every file, validate every document against its kind, then
 * check references between the valid ones. Collects every problem; never throws for bad input.
 */
import { findKind, kinds } from '../kinds.js';
import type { ResourceValidator } from '../validate.js';
import { checkReferences, type ValidEntry } from './check-references.js';
import type { DocumentRef, ManifestProblem } from './manifest-problem.js';
import { parseManifestText, type RawDocument } from './parse-manifest-text.js';
import { readManifestSources, type ManifestSource } from './read-manifest-sources.js';
import { isRecord } from '../../core/is-record.js';

export interface ManifestReport {
  /** How many documents (resources) were read. */
  readonly documents: number;
  /** The valid resources, frozen, with defaults, in file order. */
  readonly valid: readonly ValidEntry[];
  /** Every problem, errors and warnings, in file order (reference warnings last). */
  readonly problems: readonly ManifestProblem[];
}

function describeDocument(raw: RawDocument): DocumentRef {
  const doc = isRecord(raw.value) ? raw.value : {};
  const meta = isRecord(doc['metadata']) ? doc['metadata'] : {};
  const kind = typeof doc['kind'] === 'string' ? doc['kind'] : undefined;
  const name = typeof meta['name'] === 'string' ? meta['name'] : undefined;
  const info = findKind(doc['apiVersion'], kind) ?? kinds.find((k) => k.kind === kind);
  const namespaced = info?.namespaced ?? true;
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : 'default';
  return {
    file: raw.file,
    document: raw.document,
    ...(raw.line !== undefined ? { line: raw.line } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(namespaced && kind !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

/** Validates already-read sources. */
export function validateManifestSources(validator: ResourceValidator, sources: readonly ManifestSource[]): ManifestReport {
  const problems: ManifestProblem[] = [];
  const valid: ValidEntry[] = [];
  let documents = 0;
  for (const source of sources) {
    const parsed = parseManifestText(source.text, source.file);
    problems.push(...parsed.problems);
    documents += parsed.count;
    for (const raw of parsed.documents) {
      const ref = describeDocument(raw);
      const result = validator.validate(raw.value);
      const found = result.ok ? result.value.warnings : result.error;
      for (const p of found) {
        const { line: _line, ...where } = ref;
        problems.push({ ...where, path: p.path, message: p.message, severity: p.severity, code: p.code });
      }
      if (result.ok) valid.push({ ref, resource: result.value.resource });
    }
  }
  problems.push(...checkReferences(valid));
  return { documents, valid, problems };
}

/** Reads the paths (files, directories, "-" for stdin) and validates everything in them. */
export async function validateManifestPaths(validator: ResourceValidator, paths: readonly string[], readStdin: () => Promise<string>): Promise<ManifestReport> {
  const read = await readManifestSources(paths, readStdin);
  const report = validateManifestSources(validator, read.sources);
  return { ...report, problems: [...read.problems, ...report.problems] };
}

/** True when the report holds no error (warnings allowed). */
export function isReportValid(report: ManifestReport): boolean {
  return !report.problems.some((p) => p.severity === 'error');
}
