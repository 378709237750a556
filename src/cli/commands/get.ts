/** `weft get KIND [NAME] [-n NS] [-o yaml|json]`: reads resources from the control plane. */
import type { Resource } from '../../api/resource.js';
import type { ListResponse } from '../../control/api/api-types.js';
import type { Command, CommandIo, CommandOption } from '../command.js';
import { createControlClient, reportFailure } from './control-client.js';
import { parseCommandOptions } from './parse-options.js';

const options: readonly CommandOption[] = [
  { name: 'namespace', short: 'n', value: 'NS', description: 'The namespace (default: all namespaces for a list, "default" for one resource).' },
  { name: 'output', short: 'o', value: 'FORMAT', description: 'yaml or json (default: a table).' },
  { name: 'control', value: 'URL', description: 'The control plane API (default $WEFT_CONTROL or http://127.0.0.1:15080).' },
];

function table(items: readonly Resource[]): string {
  const rows = [['KIND', 'NAMESPACE', 'NAME', 'VERSION', 'CREATED'], ...items.map((r) => [r.kind, r.kind === 'Namespace' || r.kind === 'Mesh' ? '' : (r.metadata.namespace ?? ''), r.metadata.name, r.metadata.resourceVersion ?? '', r.metadata.creationTimestamp ?? ''])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

async function run(io: CommandIo): Promise<number> {
  const parsed = parseCommandOptions(io.argv, options);
  if ('usageError' in parsed) {
    io.stderr.write(`weft get: ${parsed.usageError}\nRun "weft get --help" for usage.\n`);
    return 2;
  }
  const [kind, name, ...extra] = parsed.positionals;
  const output = parsed.values['output'];
  if (kind === undefined || extra.length > 0 || (output !== undefined && output !== 'yaml' && output !== 'json')) {
    io.stderr.write('weft get: usage: weft get KIND [NAME] [-n NS] [-o yaml|json]\n');
    return 2;
  }
  const ns = parsed.values['namespace'];
  const control = parsed.values['control'];
  const client = createControlClient(io, typeof control === 'string' ? control : undefined, false);
  const query = typeof ns === 'string' ? `?namespace=${encodeURIComponent(ns)}` : '';
  const path = `/resources/${encodeURIComponent(kind)}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}${query}`;
  const answer = await client.request('GET', path);
  if (answer.kind !== 'answer' || answer.status !== 200) return reportFailure(io, 'get', answer);
  const one = name !== undefined ? (answer.body as Resource) : undefined;
  const items = one !== undefined ? [one] : (answer.body as ListResponse).items;
  if (output === 'json') {
    io.stdout.write(`${JSON.stringify(one ?? { apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`);
  } else if (output === 'yaml') {
    const { stringify } = await import('yaml');
    io.stdout.write(stringify(one ?? { apiVersion: 'v1', kind: 'List', items }));
  } else if (items.length === 0) {
    io.stderr.write(`No ${kind} found${typeof ns === 'string' ? ` in namespace ${ns}` : ''}.\n`);
  } else {
    io.stdout.write(table(items));
  }
  return 0;
}

export function createGetCommand(): Command {
  return {
    name: 'get',
    summary: 'Show resources stored in the control plane',
    usage: 'KIND [NAME] [-n NS] [-o yaml|json]',
    description: 'Lists resources of a kind (kind, plural or short name: Service, services, svc, ap...), or shows one by name.',
    options,
    run,
  };
}
