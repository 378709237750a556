import type { Command } from './command.js';
import { proxyCommand } from './commands/proxy.js';

/** Every `weft` command, in the order `weft --help` lists them. Register a new command with one line here. */
export function allCommands(): readonly Command[] {
  return [proxyCommand()];
}
