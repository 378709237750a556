/** `weft delete KIND NAME [-n NS]` or `weft delete -f PATH...`: deletes resources in the control plane. */
import type { Command, CommandIo, CommandOption } from '../command.js';
import { formatManifestProblem } from '../../api/manifest/manifest-problem.js';
import { describeResource } from './apply.js';
import { createControlClient, reportFailure, type ControlClient } from './control-client.js';
import { parseCommandOptions } from './parse-options.js';
import { readManifestDocuments } from './read-manifest-documents.js';
import { isRecord } from '../../core/is-record.js';

const options: readonly CommandOption[] = [
  { name: 'filename', short: 'f', value: 'PATH', repeatable: true, description: 'Delete the resources these manifests name.' },
  { name: 'namespace', short: 'n', value: 'NS', description: 'The namespace (default "default").' },
  { name: 'control', value: 'URL', description: 'The control plane API (default $WEFT_CONTROL or http://127.0.0.1:15080).' },
];

async function deleteOne(io: CommandIo, client: ControlClient, kind: string, namespace: string | undefined, name: string): Promise<boolean> {
  const query = namespace !== undefined ? `?namespace=${encodeURIComponent(namespace)}` : '';
  const answer = await client.request('DELETE', `/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}${query}`);
  if (answer.kind === 'answer' && answer.status === 200) {
    const deleted = (answer.body as { deleted: { kind: string; metadata: { namespace?: string; name: string } } }).deleted;
    const ns = deleted.kind === 'Namespace' || deleted.kind === 'Mesh' ? undefined : deleted.metadata.namespace;
    io.stdout.write(`${describeResource(deleted.kind, ns, deleted.metadata.name)} deleted\n`);
    return true;
  }
  reportFailure(io, 'delete', answer);
  return false;
}

async function run(io: CommandIo): Promise<number> {
  const parsed = parseCommandOptions(io.argv, options);
  if ('usageError' in parsed) {
    io.stderr.write(`weft delete: ${parsed.usageError}\nRun "weft delete --help" for usage.\n`);
    return 2;
  }
  const files = parsed.values['filename'];
  const paths = (Array.isArray(files) ? files : [files]).filter((f): f is string => typeof f === 'string');
  const ns = parsed.values['namespace'];
  const control = parsed.values['control'];
  const client = createControlClient(io, typeof control === 'string' ? control : undefined, true);
  if (paths.length > 0) {
    if (parsed.positionals.length > 0) {
      io.stderr.write('weft delete: give either -f PATH or KIND NAME, not both\n');
      return 2;
    }
    const { documents, problems } = await readManifestDocuments(io, paths);
    for (const p of problems) io.stderr.write(`${formatManifestProblem(p)}\n`);
    if (problems.some((p) => p.severity === 'error')) return 1;
    let failed = false;
    for (const d of documents) {
      const meta = isRecord(d.value) && isRecord(d.value['metadata']) ? d.value['metadata'] : {};
      const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined;
      if (d.ref.kind === undefined || d.ref.name === undefined) {
        io.stderr.write(`weft delete: ${d.ref.file}: document ${d.ref.document}: needs kind and metadata.name\n`);
        failed = true;
        continue;
      }
      if (!(await deleteOne(io, client, d.ref.kind, namespace, d.ref.name))) failed = true;
    }
    return failed ? 1 : 0;
  }
  const [kind, name, ...extra] = parsed.positionals;
  if (kind === undefined || name === undefined || extra.length > 0) {
    io.stderr.write('weft delete: usage: weft delete KIND NAME [-n NS] | weft delete -f PATH...\n');
    return 2;
  }
  return (await deleteOne(io, client, kind, typeof ns === 'string' ? ns : undefined, name)) ? 0 : 1;
}

export function createDeleteCommand(): Command {
  return {
    name: 'delete',
    summary: 'Delete resources from the control plane',
    usage: 'KIND NAME [-n NS] | -f PATH...',
    description: 'Deletes one resource by kind and name, or every resource the given manifests name.',
    options,
    run,
  };
}
