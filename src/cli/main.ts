// The `weft` program: reads argv and the environment here, once, and hands them to the command.
import { allCommands } from './commands.js';
import { runCli } from './run-cli.js';

const code = await runCli(allCommands(), {
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
process.exitCode = code;
