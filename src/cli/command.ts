/** One `weft` sub-command: its name, help text, options, and what it does. */
export interface CommandOption {
  /** Long name without dashes, e.g. `file` for `--file`. */
  readonly name: string;
  readonly short?: string;
  /** Placeholder for the value (`PATH`), or undefined for a flag. */
  readonly value?: string;
  readonly repeatable?: boolean;
  readonly description: string;
}

export interface CommandIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
}

export interface Command {
  readonly name: string;
  /** One line, shown in `weft --help`. */
  readonly summary: string;
  /** `weft NAME ...` usage line after the command name, e.g. `-f PATH...`. */
  readonly usage: string;
  /** Longer description for `weft NAME --help`. */
  readonly description: string;
  readonly options: readonly CommandOption[];
  /** Runs the command; resolves to the process exit code. */
  run(io: CommandIo): Promise<number>;
}
