/**
 * `weft apply -f PATH...`: sends manifests to the control plane, which validates them (all of them,
 * before writing any) and creates or updates each. Prints `Kind ns/name created|configured|unchanged`
 * per resource. A refused manifest prints one line per problem, as `weft validate` does
 * (`FILE: document N (Kind ns/name): FIELD.PATH: message`), and exits 1; nothing is applied.
 */
import { formatManifestProblem, type ManifestProblem } from '../../api/manifest/manifest-problem.js';
import type { ApplyResponse } from '../../control/api/api-types.js';
import type { ApiProblem } from '../../control/api/http-json.js';
import type { Command, CommandIo, CommandOption } from '../command.js';
import { apiError, createControlClient, reportFailure } from './control-client.js';
import { parseCommandOptions } from './parse-options.js';
import { readManifestDocuments, type ManifestDocument } from './read-manifest-documents.js';

const options: readonly CommandOption[] = [
  { name: 'filename', short: 'f', value: 'PATH', repeatable: true, description: 'A manifest file, a directory (read recursively: .yaml, .yml, .json), or "-" for standard input.' },
  { name: 'control', value: 'URL', description: 'The control plane API (default $WEFT_CONTROL or http://127.0.0.1:15080).' },
];

function toManifestProblem(p: ApiProblem, documents: readonly ManifestDocument[]): ManifestProblem {
  const ref = p.index !== undefined ? documents[p.index]?.ref : undefined;
  return {
    file: ref?.file ?? '-',
    ...(ref !== undefined ? { document: ref.document } : {}),
    ...(p.kind !== undefined ? { kind: p.kind } : {}),
    ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
    ...(p.name !== undefined ? { name: p.name } : {}),
    path: p.path,
    message: p.message,
    severity: p.severity,
    // The server validates with the same model as `weft validate`; what it refuses is invalid configuration.
    code: 'WEFT_CONFIG_INVALID',
  };
}

/** `Kind ns/name`, or `Kind name` for cluster-scoped kinds. */
export function describeResource(kind: string, namespace: string | undefined, name: string): string {
  return namespace !== undefined && namespace !== '' ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

async function run(io: CommandIo): Promise<number> {
  const parsed = parseCommandOptions(io.argv, options);
  if ('usageError' in parsed) {
    io.stderr.write(`weft apply: ${parsed.usageError}\nRun "weft apply --help" for usage.\n`);
    return 2;
  }
  const files = parsed.values['filename'];
  const paths = [...(Array.isArray(files) ? files : [files]).filter((f): f is string => typeof f === 'string'), ...parsed.positionals];
  if (paths.length === 0) {
    io.stderr.write('weft apply: give at least one -f PATH (a file, a directory, or - for standard input)\n');
    return 2;
  }
  const { documents, problems } = await readManifestDocuments(io, paths);
  if (problems.some((p) => p.severity === 'error')) {
    for (const p of problems) io.stderr.write(`${formatManifestProblem(p)}\n`);
    io.stderr.write('weft apply: nothing was applied\n');
    return 1;
  }
  for (const p of problems) io.stderr.write(`${formatManifestProblem(p)}\n`);
  if (documents.length === 0) {
    io.stderr.write('weft apply: no documents found\n');
    return 1;
  }
  const control = parsed.values['control'];
  const client = createControlClient(io, typeof control === 'string' ? control : undefined, true);
  const answer = await client.request('POST', '/apply', { resources: documents.map((d) => d.value) });
  if (answer.kind === 'answer' && answer.status === 200) {
    const body = answer.body as ApplyResponse;
    for (const r of body.results) {
      for (const w of r.warnings) io.stderr.write(`${formatManifestProblem(toManifestProblem(w, documents))}\n`);
      io.stdout.write(`${describeResource(r.kind, r.namespace, r.name)} ${r.outcome}\n`);
    }
    return 0;
  }
  const e = answer.kind === 'answer' ? apiError(answer.body) : undefined;
  if (e?.problems !== undefined && e.problems.length > 0) {
    for (const p of e.problems) io.stderr.write(`${formatManifestProblem(toManifestProblem(p, documents))}\n`);
  }
  return reportFailure(io, 'apply', answer);
}

export function createApplyCommand(): Command {
  return {
    name: 'apply',
    summary: 'Create or update resources in the control plane',
    usage: '-f PATH... [--control URL]',
    description: [
      'Sends manifests to the control plane, which validates every document before writing any, then',
      'creates or updates each. Prints "Kind namespace/name created|configured|unchanged" per resource.',
      'A refused manifest prints one line per problem with its field path (as "weft validate" does) and',
      'exits 1; the resources already in force stay as they were. Writes use the admin token in',
      '$WEFT_HOME/admin-token.',
    ].join('\n'),
    options,
    run,
  };
}
