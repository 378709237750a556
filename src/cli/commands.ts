import type { Command } from './command.js';
import { createApplyCommand } from './commands/apply.js';
import { createControlCommand } from './commands/control.js';
import { createDeleteCommand } from './commands/delete.js';
import { createGetCommand } from './commands/get.js';

/** Every `weft` command, in the order `weft --help` lists them. Register a new command with one line here. */
export function allCommands(): readonly Command[] {
  return [
    createControlCommand(),
    createApplyCommand(),
    createGetCommand(),
    createDeleteCommand(),
  ];
}
