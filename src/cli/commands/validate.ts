/**
 * `weft validate -f PATH...`: validates manifests (files, directories, "-" for stdin) and prints
 * one line per problem. Exit 0 when there is no error (warnings are printed), 1 when there is one,
 * 2 on a usage mistake. It never throws: a bug is reported as such, with exit 1.
 */
import type { ResourceValidator } from '../../api/validate.js';
import { formatManifestProblem } from '../../api/manifest/manifest-problem.js';
import type { Command, CommandIo, CommandOption } from '../command.js';
import { parseCommandOptions } from './parse-options.js';
import { readStreamText } from './read-stream.js';

const options: readonly CommandOption[] = [
  { name: 'filename', short: 'f', value: 'PATH', repeatable: true, description: 'A manifest file, a directory (read recursively: .yaml, .yml, .json), or "-" for standard input.' },
  { name: 'quiet', short: 'q', description: 'Print errors only, not warnings.' },
];

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function run(io: CommandIo, validator: () => Promise<ResourceValidator>): Promise<number> {
  const parsed = parseCommandOptions(io.argv, options);
  if ('usageError' in parsed) {
    io.stderr.write(`weft validate: ${parsed.usageError}\nRun "weft validate --help" for usage.\n`);
    return 2;
  }
  const files = parsed.values['filename'];
  const given = Array.isArray(files) ? files : [files];
  const paths = [...given.filter((f): f is string => typeof f === 'string'), ...parsed.positionals];
  if (paths.length === 0) {
    io.stderr.write('weft validate: give at least one -f PATH (a file, a directory, or - for standard input)\n');
    return 2;
  }
  const quiet = parsed.values['quiet'] === true;
  try {
    const { isReportValid, validateManifestPaths } = await import('../../api/manifest/validate-manifests.js');
    const report = await validateManifestPaths(await validator(), paths, () => readStreamText(io.stdin));
    const shown = report.problems.filter((p) => !quiet || p.severity === 'error');
    for (const p of shown) io.stdout.write(`${formatManifestProblem(p)}\n`);
    const errors = report.problems.filter((p) => p.severity === 'error').length;
    const warnings = report.problems.length - errors;
    const valid = isReportValid(report);
    const summary = valid
      ? `${plural(report.documents, 'document')} valid${warnings > 0 ? ` (${plural(warnings, 'warning')})` : ''}`
      : `${plural(errors, 'error')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''} in ${plural(report.documents, 'document')}`;
    io.stderr.write(`${summary}\n`);
    if (valid && report.documents === 0) {
      io.stderr.write('weft validate: no documents found\n');
      return 1;
    }
    return valid ? 0 : 1;
  } catch (e) {
    // A bug, not a user mistake: say so plainly instead of a stack trace.
    io.stderr.write(`weft validate: internal error (WEFT_INTERNAL): ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

export function createValidateCommand(): Command {
  // Compiled on first use and kept with the command: `weft --help` does not pay for it.
  let validator: ResourceValidator | undefined;
  const getValidator = async (): Promise<ResourceValidator> => (validator ??= (await import('../../api/validate.js')).createResourceValidator());
  return {
    name: 'validate',
    summary: 'Check manifests against the schemas and each other',
    usage: '-f PATH... [-q]',
    description: [
      'Validates Weft and Kubernetes manifests (Namespace, Service, Gateway, HTTPRoute, GRPCRoute and the',
      'weft.dev/v1alpha1 kinds) in YAML or JSON: multi-document files, JSON arrays and List kinds.',
      'Prints one line per problem: FILE: document N (Kind namespace/name): FIELD.PATH: what is wrong.',
      'References between documents (a route backend naming no Service, a policy selecting nothing)',
      'are warnings. Exit status: 0 when there is no error, 1 when there is one, 2 on a usage mistake.',
    ].join('\n'),
    options,
    run: (io) => run(io, getValidator),
  };
}
