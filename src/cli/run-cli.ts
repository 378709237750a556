import type { Command, CommandIo } from './command.js';
import { formatCommandHelp, formatMainHelp } from './help.js';

/** Dispatches to a command, or prints help. Resolves to the exit code. */
export async function runCli(commands: readonly Command[], io: CommandIo): Promise<number> {
  const [name, ...rest] = io.argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(target ? formatCommandHelp(target) : formatMainHelp(commands));
    return 0;
  }
  if (name === '--version') {
    io.stdout.write('weft 0.1.0\n');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`weft: unknown command "${name}"; run "weft --help" for the list\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(formatCommandHelp(command));
    return 0;
  }
  return command.run({ ...io, argv: rest });
}
