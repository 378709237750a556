/** `weft control`: runs the control plane in the foreground (the program itself is `src/control/main.ts`). */
import type { Command, CommandIo } from '../command.js';

export function createControlCommand(): Command {
  return {
    name: 'control',
    summary: 'Run the control plane (store and API)',
    usage: '[--listen HOST:PORT] [--home DIR]',
    description: [
      'Runs the control plane until SIGINT or SIGTERM: the resource store in $WEFT_HOME/store (default',
      '.weft/ under the working directory) and the API on http://127.0.0.1:15080. The admin token for',
      'writes is created at first start in $WEFT_HOME/admin-token (mode 0600).',
    ].join('\n'),
    options: [
      { name: 'listen', value: 'HOST:PORT', description: 'Where the API listens (default 127.0.0.1:15080; port 0 picks a free one).' },
      { name: 'home', value: 'DIR', description: 'State directory (default $WEFT_HOME, else .weft).' },
      { name: 'distributor-listen', value: 'HOST:PORT', description: 'Where proxies subscribe (HTTP/2 over mTLS; default the API host, port 15012, or a free port when --listen has port 0).' },
      { name: 'certificate-lifetime', value: 'DURATION', description: "Workload certificate lifetime, overriding the Mesh's certificateLifetime (e.g. 60s for tests)." },
    ],
    // Loaded on run: the sidecar, which shares this binary, must not pay for the control plane.
    run: async (io: CommandIo) => (await import('../../control/main.js')).controlMain(io),
  };
}
