import type { Command } from './command.js';

export function formatMainHelp(commands: readonly Command[]): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'weft — a service mesh on Node.js',
    '',
    'Usage: weft <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run "weft <command> --help" for a command\'s options.',
    '',
  ].join('\n');
}

export function formatCommandHelp(command: Command): string {
  const opts = command.options.map((o) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`;
    return `  ${flag.padEnd(28)}  ${o.description}${o.repeatable ? ' (repeatable)' : ''}`;
  });
  return [
    `Usage: weft ${command.name} ${command.usage}`.trimEnd(),
    '',
    command.description,
    '',
    ...(opts.length > 0 ? ['Options:', ...opts, ''] : []),
    '  -h, --help                    Show this help.',
    '',
  ].join('\n');
}
