import type { Command } from '../command.js';

/** `weft proxy`: run the sidecar proxy, from files or joined to a control plane. */
export function proxyCommand(): Command {
  return {
    name: 'proxy',
    summary: 'Run the sidecar proxy (from files, or joined to a control plane)',
    usage: '--snapshot FILE --cert FILE --key FILE --ca FILE [options]\n   or: weft proxy --control-url URL --token-file FILE --registration FILE [--distributor HOST:PORT] [--state-dir DIR] [options]',
    description: [
      'Runs the Weft sidecar: inbound mTLS termination and authorization, outbound mTLS to peer proxies,',
      'HTTP/1.1, HTTP/2, gRPC and opaque TCP. Reloads the snapshot on SIGHUP and when the file changes;',
      'drains on SIGTERM. Prints one JSON line with the bound ports on stdout once ready; logs JSON lines on stderr.',
      '',
      'With --control-url the proxy joins a control plane instead: it makes its own key (kept in memory only),',
      'gets its certificate from the CA with the bootstrap token (`weft token create`) and renews it at two-thirds',
      'of its life, registers the workload described by --registration (JSON: namespace, name, serviceAccount,',
      'labels, addresses, ports) on the distributor stream, and runs on the snapshots it is sent (ACK, or NACK with',
      'the reason while the old one stays). If the control plane goes away it keeps serving and reconnects.',
      'It is ready once it has a certificate and a first snapshot.',
    ].join('\n'),
    options: [
      { name: 'snapshot', value: 'FILE', description: 'The proxy snapshot (YAML or JSON).' },
      { name: 'cert', value: 'FILE', description: "The proxy's certificate (PEM, SPIFFE URI SAN)." },
      { name: 'key', value: 'FILE', description: "The proxy's private key (PEM)." },
      { name: 'ca', value: 'FILE', description: 'The mesh CA bundle (PEM).' },
      { name: 'control-url', value: 'URL', description: 'Join this control plane (its API, e.g. http://127.0.0.1:15080; or WEFT_CONTROL).' },
      { name: 'token-file', value: 'FILE', description: 'Control mode: the bootstrap token (or WEFT_PROXY_TOKEN_FILE).' },
      { name: 'registration', value: 'FILE', description: 'Control mode: the workload registration, JSON (or WEFT_PROXY_REGISTRATION).' },
      { name: 'distributor', value: 'HOST:PORT', description: "Control mode: the distributor (default the control URL's host, port 15012)." },
      { name: 'state-dir', value: 'DIR', description: 'Control mode: keep the last applied snapshot here, to serve on it if the control plane is away at a restart.' },
      { name: 'trust-domain', value: 'DOMAIN', description: 'Control mode: the mesh trust domain (default cluster.local).' },
      { name: 'admin-port', value: 'PORT', description: 'Admin server port (default 15000; 0 picks one).' },
      { name: 'admin-address', value: 'ADDR', description: 'Admin server address (default 127.0.0.1).' },
      { name: 'inbound-port', value: 'PORT', description: 'Inbound capture port (default 15006).' },
      { name: 'outbound-port', value: 'PORT', description: 'Outbound capture port (default 15001).' },
      { name: 'no-capture', description: 'No capture listeners; explicit listeners from the snapshot only.' },
      { name: 'no-watch', description: 'Do not watch the snapshot file (SIGHUP still reloads).' },
      { name: 'no-mesh-mux', description: 'Do not offer weft-mux to peer proxies: one mTLS connection per pooled HTTP/1.1 connection (by default one connection per peer carries them all as streams).' },
      { name: 'keep-startup-pages', description: 'Do not release the memory only start-up used (by default, 3 s after ready, the pages of node and its libraries that start-up alone touched are dropped: ~20 MB less RSS).' },
      { name: 'heap-slack-mb', value: 'MB', description: 'Collect the heap when its dead objects pass MB (or half the live size, if more); default 3, 0 leaves it to V8. Needs node --expose-gc, one of the sidecar launch options.' },
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
