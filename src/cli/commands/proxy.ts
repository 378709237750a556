import type { Command } from '../command.js';

/** `weft proxy`: run the sidecar proxy from a snapshot file. */
export function proxyCommand(): Command {
  return {
    name: 'proxy',
    summary: 'Run the sidecar proxy from a snapshot file',
    usage: '--snapshot FILE --cert FILE --key FILE --ca FILE [options]',
    description: [
      'Runs the Weft sidecar: inbound mTLS termination and authorization, outbound mTLS to peer proxies,',
      'HTTP/1.1, HTTP/2, gRPC and opaque TCP. Reloads the snapshot on SIGHUP and when the file changes;',
      'drains on SIGTERM. Prints one JSON line with the bound ports on stdout once ready; logs JSON lines on stderr.',
    ].join('\n'),
    options: [
      { name: 'snapshot', value: 'FILE', description: 'The proxy snapshot (YAML or JSON).' },
      { name: 'cert', value: 'FILE', description: "The proxy's certificate (PEM, SPIFFE URI SAN)." },
      { name: 'key', value: 'FILE', description: "The proxy's private key (PEM)." },
      { name: 'ca', value: 'FILE', description: 'The mesh CA bundle (PEM).' },
      { name: 'admin-port', value: 'PORT', description: 'Admin server port (default 15000; 0 picks one).' },
      { name: 'admin-address', value: 'ADDR', description: 'Admin server address (default 127.0.0.1).' },
      { name: 'inbound-port', value: 'PORT', description: 'Inbound capture port (default 15006).' },
      { name: 'outbound-port', value: 'PORT', description: 'Outbound capture port (default 15001).' },
      { name: 'no-capture', description: 'No capture listeners; explicit listeners from the snapshot only.' },
      { name: 'no-watch', description: 'Do not watch the snapshot file (SIGHUP still reloads).' },
      { name: 'detect-timeout-ms', value: 'MS', description: 'How long protocol detection waits for the first bytes (default 200).' },
      { name: 'drain-ms', value: 'MS', description: 'Drain deadline on SIGTERM (default 10000).' },
      { name: 'access-log', value: 'FILE', description: 'Append access-log lines (JSON) to FILE instead of stdout; the snapshot turns the log on.' },
      { name: 'log-level', value: 'LEVEL', description: 'debug, info, warn or error (default info; or WEFT_LOG_LEVEL).' },
    ],
    // Loaded on run, so that importing the command list (and `--help`) stays cheap. Launchers start
    // the sidecar with `sidecarNodeOptions` (src/proxy/sidecar-node-options.ts) on node's command line.
    run: async (io) => (await import('../../proxy/main.js')).runProxyMain(io),
  };
}
