/** `weft install crds`: prints the CRDs of the Weft kinds, generated from the same schemas as the validator. */
import type { Command, CommandIo } from '../command.js';
import { parseCommandOptions } from './parse-options.js';

const targets = ['crds'] as const;

async function run(io: CommandIo): Promise<number> {
  const parsed = parseCommandOptions(io.argv, []);
  if ('usageError' in parsed) {
    io.stderr.write(`weft install: ${parsed.usageError}\n`);
    return 2;
  }
  const [what, ...extra] = parsed.positionals;
  if (what !== 'crds' || extra.length > 0) {
    io.stderr.write(`weft install: say what to install: ${targets.join(', ')} (for example "weft install crds | kubectl apply -f -")\n`);
    return 2;
  }
  const { createWeftCrds, crdsToYaml } = await import('../../api/crd.js');
  io.stdout.write(crdsToYaml(createWeftCrds()));
  return 0;
}

export function createInstallCommand(): Command {
  return {
    name: 'install',
    summary: 'Print Kubernetes manifests to install Weft (crds)',
    usage: 'crds',
    description: [
      'weft install crds prints the CustomResourceDefinitions (apiextensions.k8s.io/v1, structural schemas)',
      'of every weft.dev/v1alpha1 kind as YAML, generated from the same schemas "weft validate" uses.',
      'Apply them with: weft install crds | kubectl apply -f -',
    ].join('\n'),
    options: [],
    run,
  };
}
