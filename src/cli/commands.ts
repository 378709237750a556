import type { Command } from './command.js';
import { createDemoCommand } from './commands/demo.js';
import { createInstallCommand } from './commands/install.js';
import { proxyCommand } from './commands/proxy.js';
import { createValidateCommand } from './commands/validate.js';

/** Every `weft` command, in the order `weft --help` lists them. Register a new command with one line here. */
export function allCommands(): readonly Command[] {
  return [
    createDemoCommand(),
    createValidateCommand(),
    createInstallCommand(),
    proxyCommand(),
  ];
}
