/** Option parsing for commands, from their declared options (so help and parsing cannot disagree). */
import { parseArgs } from 'node:util';
import type { CommandOption } from '../command.js';

export interface ParsedOptions {
  readonly values: Readonly<Record<string, string | boolean | readonly (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
}

/** Parses argv by the command's options; a usage problem comes back as a message. */
export function parseCommandOptions(argv: readonly string[], options: readonly CommandOption[]): ParsedOptions | { readonly usageError: string } {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const o of options) {
    config[o.name] = {
      type: o.value !== undefined ? 'string' : 'boolean',
      ...(o.short !== undefined ? { short: o.short } : {}),
      ...(o.repeatable === true ? { multiple: true } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (e) {
    return { usageError: e instanceof Error ? e.message.split('\n')[0] ?? e.message : String(e) };
  }
}
