/** A problem in a manifest set: which file, which document, which resource, which field. */
import type { ErrorCode } from '../../core/errors.js';
import type { Severity } from '../problem.js';

/** Where a document came from: its file (or "-" for stdin) and its 1-based number in that file. */
export interface DocumentRef {
  readonly file: string;
  /** 1-based; counts resources in file order (a List or a JSON array gives one per item). */
  readonly document: number;
  /** Line of the document's first line in the file, when known. */
  readonly line?: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export interface ManifestProblem {
  readonly file: string;
  readonly document?: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Field path in the document, or "" when the problem is about the whole document or file. */
  readonly path: string;
  readonly message: string;
  readonly severity: Severity;
  /** WEFT_CONFIG_PARSE, _IO, _UNKNOWN_KIND, _INVALID or _REFERENCE (see `src/core/errors.ts`). */
  readonly code: ErrorCode;
  /** For syntax errors: where in the file (1-based). */
  readonly line?: number;
  readonly column?: number;
}

// One problem, one line: control characters in user-written names or values are escaped.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unprintable = /[\u0000-\u001f\u007f\u2028\u2029]/g;

function printable(text: string): string {
  return text.replace(unprintable, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function resourceLabel(p: ManifestProblem): string {
  if (p.kind === undefined) return '';
  const name = p.name ?? '?';
  return p.namespace !== undefined ? ` (${p.kind} ${p.namespace}/${name})` : ` (${p.kind} ${name})`;
}

/**
 * One line per problem: `FILE: document N (Kind ns/name): FIELD.PATH: message`, warnings prefixed
 * with `warning: `, syntax errors with `line L, column C` in place of the field path.
 */
export function formatManifestProblem(p: ManifestProblem): string {
  const parts = [p.file];
  if (p.document !== undefined) parts.push(`document ${p.document}${resourceLabel(p)}`);
  if (p.line !== undefined) parts.push(p.column !== undefined ? `line ${p.line}, column ${p.column}` : `line ${p.line}`);
  if (p.path !== '') parts.push(p.path);
  parts.push(p.message);
  return `${p.severity === 'warning' ? 'warning: ' : ''}${printable(parts.join(': '))}`;
}
