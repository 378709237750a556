/**
 * `weft demo`: until the universal-mode runtime exists, it says honestly what the demo will run and
 * that it cannot run it yet, and exits 3 (WEFT_RUNTIME_UNAVAILABLE). It starts nothing.
 */
import type { Command, CommandIo } from '../command.js';
import { parseCommandOptions } from './parse-options.js';

/** Exit status meaning "this part of Weft is not available (yet)". */
export const demoUnavailableExitCode = 3;

const plan = [
  'weft demo will start the reference mesh of examples/lab/ on this machine (universal mode):',
  '  - namespaces a, b, c, d, each workload in its own network namespace with a Weft sidecar;',
  '  - a: the ingress Gateway (HTTP) routing /static to b and everything else to c;',
  '  - b: Apache httpd serving static files;',
  '  - c: the Python application, calling redis through webdis;',
  '  - d: redis and webdis; one AuthorizationPolicy lets only c\'s service account reach redis;',
  '  - mutual TLS with SPIFFE identities between all of them, metrics on each proxy\'s :15000.',
  '',
];

const unavailable = [
  'weft demo: cannot run yet: the universal-mode runtime (src/runtime) is not built (WEFT_RUNTIME_UNAVAILABLE).',
  'What works today: "weft validate -f examples/lab" checks the demo\'s manifests.',
  '',
];

async function run(io: CommandIo): Promise<number> {
  const parsed = parseCommandOptions(io.argv, []);
  if ('usageError' in parsed || parsed.positionals.length > 0) {
    io.stderr.write('weft demo: takes no arguments\n');
    return 2;
  }
  io.stdout.write(plan.join('\n'));
  io.stderr.write(unavailable.join('\n'));
  return Promise.resolve(demoUnavailableExitCode);
}

export function createDemoCommand(): Command {
  return {
    name: 'demo',
    summary: 'Run the reference mesh (not available yet: prints the plan, exits 3)',
    usage: '',
    description: [
      'Starts the reference scenario of examples/lab/ in universal mode: an ingress gateway, Apache httpd,',
      'a Python app, redis and webdis in four namespaces, with mutual TLS and an authorization policy.',
      'Until the universal-mode runtime exists it prints this plan and exits with status 3.',
    ].join('\n'),
    options: [],
    run,
  };
}
