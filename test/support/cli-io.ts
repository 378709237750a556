// Runs `weft` commands in-process with captured output, for CLI tests.
import { PassThrough, Readable } from 'node:stream';
import type { Command } from '../../src/cli/command.js';
import { allCommands } from '../../src/cli/commands.js';
import { runCli } from '../../src/cli/run-cli.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs `weft ARGV...` with `stdin` as standard input and `cwd` as working directory. */
export async function runWeft(argv: readonly string[], options: { stdin?: string; cwd?: string; commands?: readonly Command[] } = {}): Promise<CliRun> {
  const out = capture();
  const err = capture();
  const code = await runCli(options.commands ?? allCommands(), {
    argv,
    env: {},
    cwd: options.cwd ?? process.cwd(),
    stdout: out.stream,
    stderr: err.stream,
    stdin: Readable.from([Buffer.from(options.stdin ?? '')]),
  });
  await new Promise<void>((resolve) => setImmediate(resolve));
  return { code, stdout: out.text(), stderr: err.text() };
}
