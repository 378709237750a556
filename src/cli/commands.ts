import type { Command } from './command.js';
import { createApplyCommand } from './commands/apply.js';
import { createCheckCommand } from './commands/check.js';
import { createControlCommand } from './commands/control.js';
import { createDeleteCommand } from './commands/delete.js';
import { createDemoCommand } from './commands/demo.js';
import { createGetCommand } from './commands/get.js';
import { createInstallCommand } from './commands/install.js';
import { proxyCommand } from './commands/proxy.js';
import { createProxyConfigCommand } from './commands/proxy-config.js';
import { createTokenCommand } from './commands/token.js';
import { createValidateCommand } from './commands/validate.js';

/** Every `weft` command, in the order `weft --help` lists them. Register a new command with one line here. */
export function allCommands(): readonly Command[] {
  return [
    createDemoCommand(),
    createValidateCommand(),
    createInstallCommand(),
    proxyCommand(),
    createControlCommand(),
    createApplyCommand(),
    createGetCommand(),
    createDeleteCommand(),
    createCheckCommand(),
    createProxyConfigCommand(),
    createTokenCommand(),
  ];
}
