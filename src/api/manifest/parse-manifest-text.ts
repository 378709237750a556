/**
 * Splits the text of one manifest file into raw documents: multi-document YAML (`---`), JSON (YAML
 * 1.2 reads JSON), a JSON array of resources, or a `List` (`kind: List` or `*List` with `items`).
 * Syntax errors come back as problems with line and column; nothing here throws.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import type { ManifestProblem } from './manifest-problem.js';
import { isRecord } from '../../core/is-record.js';

export interface RawDocument {
  readonly file: string;
  readonly document: number;
  readonly line?: number;
  readonly value: unknown;
}

export interface ParsedText {
  readonly documents: readonly RawDocument[];
  readonly problems: readonly ManifestProblem[];
  /** How many documents the file holds, those that could not be parsed included. */
  readonly count: number;
}

function isList(value: unknown): value is { items: unknown[] } {
  return isRecord(value) && typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items']);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** Larger manifests are refused: no real manifest comes near, and the parser's memory grows with it. */
export const maxManifestBytes = 16 * 1024 * 1024;
/** Deeper flow nesting (`[[[...`, `{{{...`) is refused before parsing: the parser recurses and can exhaust memory. */
export const maxFlowDepth = 256;

function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return max;
}

/** Parses one file's text. `file` is the name used in problems. */
export function parseManifestText(text: string, file: string): ParsedText {
  const documents: RawDocument[] = [];
  const problems: ManifestProblem[] = [];
  if (text.length > maxManifestBytes) {
    return { documents, count: 0, problems: [{ file, path: '', message: `is larger than ${maxManifestBytes / 1024 / 1024} MiB; split it`, severity: 'error', code: 'WEFT_CONFIG_PARSE' }] };
  }
  if (flowDepth(text) > maxFlowDepth) {
    return { documents, count: 0, problems: [{ file, path: '', message: `is nested more than ${maxFlowDepth} levels deep`, severity: 'error', code: 'WEFT_CONFIG_PARSE' }] };
  }
  const lineCounter = new LineCounter();
  let count = 0;
  let parsed;
  try {
    parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    // The parser recurses; absurdly deep nesting exhausts the stack.
    return { documents, count: 0, problems: [{ file, path: '', message: `cannot be parsed: ${e instanceof RangeError ? 'it is nested too deeply' : String(e)}`, severity: 'error', code: 'WEFT_CONFIG_PARSE' }] };
  }
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const number = count + 1;
      for (const e of doc.errors) {
        const pos = lineCounter.linePos(e.pos[0]);
        problems.push({
          file,
          document: number,
          path: '',
          message: `YAML syntax error: ${firstLine(e.message)}`,
          severity: 'error',
          code: 'WEFT_CONFIG_PARSE',
          line: pos.line,
          column: pos.col,
        });
      }
      count++;
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      count++;
      const reason = e instanceof RangeError ? 'it is nested too deeply' : e instanceof Error ? e.message : String(e);
      problems.push({ file, document: count, path: '', message: `cannot be read: ${reason}`, severity: 'error', code: 'WEFT_CONFIG_PARSE' });
      continue;
    }
    if (value === null || value === undefined) continue; // an empty document (comments only)
    const start = doc.contents?.range[0];
    const line = start !== undefined ? lineCounter.linePos(start).line : undefined;
    const items: unknown[] = Array.isArray(value) ? value : isList(value) ? value.items : [value];
    for (const item of items) {
      count++;
      documents.push({ file, document: count, ...(line !== undefined ? { line } : {}), value: item });
    }
  }
  return { documents, problems, count };
}
