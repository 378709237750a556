/**
 * Reads manifest paths (files, directories, "-") into raw documents with where they came from, for
 * commands that send documents to the control plane. Syntax and read problems come back as
 * `ManifestProblem`s, printed like `weft validate` prints them.
 */
import type { DocumentRef, ManifestProblem } from '../../api/manifest/manifest-problem.js';
import type { CommandIo } from '../command.js';
import { readStreamText } from './read-stream.js';
import { isRecord } from '../../core/is-record.js';

export interface ManifestDocument {
  readonly ref: DocumentRef;
  readonly value: unknown;
}

export async function readManifestDocuments(io: CommandIo, paths: readonly string[]): Promise<{ documents: ManifestDocument[]; problems: ManifestProblem[] }> {
  // Loaded here, not at the top: `weft proxy` shares the command list and must not load the YAML parser.
  const { parseManifestText } = await import('../../api/manifest/parse-manifest-text.js');
  const { readManifestSources } = await import('../../api/manifest/read-manifest-sources.js');
  const read = await readManifestSources(paths, () => readStreamText(io.stdin));
  const problems: ManifestProblem[] = [...read.problems];
  const documents: ManifestDocument[] = [];
  for (const source of read.sources) {
    const parsed = parseManifestText(source.text, source.file);
    problems.push(...parsed.problems);
    for (const raw of parsed.documents) {
      const doc = isRecord(raw.value) ? raw.value : {};
      const meta = isRecord(doc['metadata']) ? doc['metadata'] : {};
      const ref: DocumentRef = {
        file: raw.file,
        document: raw.document,
        ...(typeof doc['kind'] === 'string' ? { kind: doc['kind'] } : {}),
        ...(typeof meta['name'] === 'string' ? { name: meta['name'] } : {}),
      };
      documents.push({ ref, value: raw.value });
    }
  }
  return { documents, problems };
}
