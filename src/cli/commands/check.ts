/**
 * `weft check`: is the mesh in sync? Checks that the control plane answers, and that every proxy it
 * has seen is connected, has acknowledged the latest version compiled for it, and has not refused
 * (NACKed) it. Prints one line per failure with its reason; exit 0 when all is well, 1 otherwise.
 * Certificate lifetimes are not checked yet (proxies do not report them to the control plane).
 */
import type { HealthResponse } from '../../control/api/api-types.js';
import type { ProxiesResponse } from '../../control/distributor/proxy-routes.js';
import type { Command, CommandIo, CommandOption } from '../command.js';
import { createControlClient, reportFailure } from './control-client.js';
import { parseCommandOptions } from './parse-options.js';

const options: readonly CommandOption[] = [
  { name: 'control', value: 'URL', description: 'The control plane API (default $WEFT_CONTROL or http://127.0.0.1:15080).' },
];

async function run(io: CommandIo): Promise<number> {
  const parsed = parseCommandOptions(io.argv, options);
  if ('usageError' in parsed || parsed.positionals.length > 0) {
    io.stderr.write(`weft check: ${'usageError' in parsed ? parsed.usageError : 'takes no arguments'}\n`);
    return 2;
  }
  const control = parsed.values['control'];
  const client = createControlClient(io, typeof control === 'string' ? control : undefined, false);
  const health = await client.request('GET', '/health');
  if (health.kind !== 'answer' || health.status !== 200) return reportFailure(io, 'check', health);
  io.stdout.write(`ok    control plane at ${client.baseUrl} (store version ${(health.body as HealthResponse).storeVersion})\n`);
  const answer = await client.request('GET', '/proxies');
  if (answer.kind !== 'answer' || answer.status !== 200) return reportFailure(io, 'check', answer);
  const { proxies } = answer.body as ProxiesResponse;
  let failures = 0;
  for (const p of proxies) {
    const problems: string[] = [];
    if (!p.connected) problems.push('not connected to the control plane');
    if (p.nack !== undefined) problems.push(`refused version ${p.nack.version}: ${p.nack.reason}`);
    if (p.latestVersion === undefined) problems.push('no snapshot compiled for it');
    else if (p.ackedVersion !== p.latestVersion) problems.push(`on version ${p.ackedVersion ?? 'none'}, latest is ${p.latestVersion}`);
    if (problems.length === 0) {
      io.stdout.write(`ok    proxy ${p.key} (${p.identity}) on version ${p.latestVersion ?? '?'}\n`);
    } else {
      failures++;
      io.stdout.write(`FAIL  proxy ${p.key} (${p.identity}): ${problems.join('; ')}\n`);
    }
  }
  io.stdout.write(`${proxies.length} ${proxies.length === 1 ? 'proxy' : 'proxies'}, ${failures} failing\n`);
  return failures === 0 ? 0 : 1;
}

export function createCheckCommand(): Command {
  return {
    name: 'check',
    summary: 'Check that the control plane is up and every proxy runs the latest snapshot',
    usage: '[--control URL]',
    description: [
      'Checks that the control plane answers and that every proxy it has seen is connected, has',
      'acknowledged the latest snapshot version compiled for it, and has not refused one. Prints one',
      'line per proxy, with the reason for each failure. Exit 0 when all is well, 1 otherwise.',
    ].join('\n'),
    options,
    run,
  };
}
