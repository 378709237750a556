/** `weft proxy-config NAME [-n NS]`: the snapshot a proxy (a workload instance) should run now, as JSON or YAML. */
import type { Command, CommandIo, CommandOption } from '../command.js';
import { createControlClient, reportFailure } from './control-client.js';
import { parseCommandOptions } from './parse-options.js';

const options: readonly CommandOption[] = [
  { name: 'namespace', short: 'n', value: 'NS', description: 'The namespace (default "default"); or write NS/NAME.' },
  { name: 'output', short: 'o', value: 'FORMAT', description: 'json (default) or yaml.' },
  { name: 'control', value: 'URL', description: 'The control plane API (default $WEFT_CONTROL or http://127.0.0.1:15080).' },
];

async function run(io: CommandIo): Promise<number> {
  const parsed = parseCommandOptions(io.argv, options);
  const output = 'usageError' in parsed ? undefined : parsed.values['output'];
  if ('usageError' in parsed || parsed.positionals.length !== 1 || (output !== undefined && output !== 'json' && output !== 'yaml')) {
    io.stderr.write('weft proxy-config: usage: weft proxy-config [NS/]NAME [-n NS] [-o json|yaml]\n');
    return 2;
  }
  const target = parsed.positionals[0] ?? '';
  const ns = parsed.values['namespace'];
  const [namespace, name] = target.includes('/') ? target.split('/', 2) : [typeof ns === 'string' ? ns : 'default', target];
  const control = parsed.values['control'];
  const client = createControlClient(io, typeof control === 'string' ? control : undefined, false);
  const answer = await client.request('GET', `/proxies/${encodeURIComponent(namespace ?? '')}/${encodeURIComponent(name ?? '')}/config`);
  if (answer.kind !== 'answer' || answer.status !== 200) return reportFailure(io, 'proxy-config', answer);
  // The YAML printer is loaded only when asked for: `weft proxy` shares the command list.
  if (output === 'yaml') io.stdout.write((await import('yaml')).stringify(answer.body));
  else io.stdout.write(`${JSON.stringify(answer.body, null, 2)}\n`);
  return 0;
}

export function createProxyConfigCommand(): Command {
  return {
    name: 'proxy-config',
    summary: 'Show the snapshot a proxy runs on',
    usage: '[NS/]NAME [-n NS] [-o json|yaml]',
    description: 'Prints the snapshot the control plane has compiled for a workload instance\'s proxy (what it should run now).',
    options,
    run,
  };
}
