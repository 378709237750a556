/**
 * `weft token create|revoke|list`: bootstrap tokens for proxies' certificate requests, over the
 * control plane API with the admin token. A token's value is printed once, at creation.
 */
import { durationToMs } from '../../api/duration.js';
import type { BootstrapTokenInfo } from '../../control/ca/tokens/bootstrap-token.js';
import type { Command, CommandIo, CommandOption } from '../command.js';
import { createControlClient, reportFailure } from './control-client.js';
import { parseCommandOptions } from './parse-options.js';

const options: readonly CommandOption[] = [
  { name: 'namespace', short: 'n', value: 'NS', description: 'create: the namespace of the identity the token grants.' },
  { name: 'service-account', value: 'SA', description: 'create: the service account of the identity the token grants.' },
  { name: 'workload', value: 'NAME', description: 'create: the workload the token is for (recorded, shown by list).' },
  { name: 'ttl', value: 'DURATION', description: 'create: the token expires after this long (e.g. 1h); default never (until revoked).' },
  { name: 'output', short: 'o', value: 'FORMAT', description: 'create/list: "json" for machine-readable output.' },
  { name: 'control', value: 'URL', description: 'The control plane API (default $WEFT_CONTROL or http://127.0.0.1:15080).' },
];

function usage(io: CommandIo, message: string): number {
  io.stderr.write(`weft token: ${message}\nRun "weft token --help" for usage.\n`);
  return 2;
}

function describe(t: BootstrapTokenInfo): string {
  const state = t.revokedAt !== undefined ? 'revoked' : 'active';
  const expires = t.expiresAt !== undefined ? new Date(t.expiresAt).toISOString() : 'never';
  return `${t.id}\t${t.namespace}\t${t.serviceAccount}\t${t.workload ?? '-'}\t${state}\t${expires}`;
}

async function run(io: CommandIo): Promise<number> {
  const parsed = parseCommandOptions(io.argv, options);
  if ('usageError' in parsed) return usage(io, parsed.usageError);
  const str = (name: string): string | undefined => {
    const v = parsed.values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const json = str('output') === 'json';
  if (str('output') !== undefined && !json) return usage(io, '-o takes "json"');
  const client = createControlClient(io, str('control'), true);
  const [sub, ...rest] = parsed.positionals;
  if (sub === 'create') {
    const namespace = str('namespace');
    const serviceAccount = str('service-account');
    if (namespace === undefined || serviceAccount === undefined || rest.length > 0) return usage(io, 'usage: weft token create --namespace NS --service-account SA [--workload NAME] [--ttl DURATION]');
    const ttl = str('ttl');
    const ttlMs = ttl !== undefined ? durationToMs(ttl) : undefined;
    if (ttl !== undefined && (ttlMs === undefined || ttlMs <= 0)) return usage(io, `--ttl takes a duration like 1h, not "${ttl}"`);
    const workload = str('workload');
    const answer = await client.request('POST', '/tokens', { namespace, serviceAccount, ...(workload !== undefined ? { workload } : {}), ...(ttlMs !== undefined ? { ttlSeconds: ttlMs / 1000 } : {}) });
    if (answer.kind !== 'answer' || answer.status !== 201) return reportFailure(io, 'token', answer);
    const created = answer.body as { token: string; info: BootstrapTokenInfo };
    if (json) io.stdout.write(`${JSON.stringify(created)}\n`);
    else {
      io.stdout.write(`${created.token}\n`);
      io.stderr.write(`token ${created.info.id} for ns/${created.info.namespace}/sa/${created.info.serviceAccount} created; its value above is shown only this once\n`);
    }
    return 0;
  }
  if (sub === 'revoke') {
    const [id, ...extra] = rest;
    if (id === undefined || extra.length > 0) return usage(io, 'usage: weft token revoke ID');
    const answer = await client.request('DELETE', `/tokens/${encodeURIComponent(id)}`);
    if (answer.kind !== 'answer' || answer.status !== 200) return reportFailure(io, 'token', answer);
    io.stdout.write(`token ${id} revoked\n`);
    return 0;
  }
  if (sub === 'list') {
    if (rest.length > 0) return usage(io, 'usage: weft token list');
    const answer = await client.request('GET', '/tokens');
    if (answer.kind !== 'answer' || answer.status !== 200) return reportFailure(io, 'token', answer);
    const items = (answer.body as { items: BootstrapTokenInfo[] }).items;
    if (json) io.stdout.write(`${JSON.stringify(items)}\n`);
    else {
      io.stdout.write('ID\tNAMESPACE\tSERVICE ACCOUNT\tWORKLOAD\tSTATE\tEXPIRES\n');
      for (const t of items) io.stdout.write(`${describe(t)}\n`);
    }
    return 0;
  }
  return usage(io, sub === undefined ? 'give a sub-command: create, revoke or list' : `unknown sub-command "${sub}" (create, revoke, list)`);
}

export function createTokenCommand(): Command {
  return {
    name: 'token',
    summary: 'Create, revoke and list bootstrap tokens for proxies',
    usage: 'create --namespace NS --service-account SA [--workload NAME] [--ttl DURATION] | revoke ID | list',
    description: [
      "A bootstrap token lets one proxy get certificates from the mesh CA for one identity",
      '(spiffe://<trust domain>/ns/NS/sa/SA) and nothing else. The value is printed once by create (on',
      'stdout; the control plane keeps only its SHA-256); revoke stops further certificates for it.',
    ].join('\n'),
    options,
    run,
  };
}
