/**
 * `weft proxy`: the sidecar program. Reads its options (argv and environment, handed over by the CLI),
 * starts the proxy, reloads on SIGHUP, drains on SIGTERM/SIGINT, and keeps running through unexpected
 * errors on single connections (logged and counted, never fatal).
 */
import { createWriteStream } from 'node:fs';
import { createSystemRandom } from '../core/random.js';
import { createSystemClock } from '../core/system-clock.js';
import { createAccessLog, createSystemFlushTimers } from './telemetry/access-log.js';
import { loadOriginalDstReader } from './runtime/capture-port.js';
import { createJsonLog, type LogLevel } from './runtime/log.js';
import { startProxy, type ProxyOptions } from './runtime/proxy-runtime.js';
import { createFileIdentitySource } from './runtime/identity-source.js';

export interface ProxyIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

interface ParsedArgs {
  readonly values: Map<string, string>;
  readonly flags: Set<string>;
  readonly problems: string[];
}

const valueOptions = new Set(['snapshot', 'cert', 'key', 'ca', 'admin-port', 'admin-address', 'inbound-port', 'outbound-port', 'detect-timeout-ms', 'drain-ms', 'log-level', 'access-log']);
const flagOptions = new Set(['no-capture', 'no-watch']);

function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) {
      problems.push(`unexpected argument "${a}"`);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (flagOptions.has(name)) flags.add(name);
    else if (valueOptions.has(name)) {
      const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (v === undefined) problems.push(`--${name} needs a value`);
      else values.set(name, v);
    } else problems.push(`unknown option --${name}`);
  }
  return { values, flags, problems };
}

function portOf(args: ParsedArgs, name: string, fallback: number, problems: string[]): number {
  const v = args.values.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`--${name} must be a port number (0 picks a free one)`);
  return n;
}

/** Runs the proxy until it is drained; resolves to the exit code. */
export async function runProxyMain(io: ProxyIo): Promise<number> {
  const args = parseArgs(io.argv);
  const problems = [...args.problems];
  const need = (name: string, envName: string): string => {
    const v = args.values.get(name) ?? io.env[envName];
    if (v === undefined || v === '') problems.push(`--${name} FILE is required (or ${envName})`);
    return v ?? '';
  };
  const snapshotFile = need('snapshot', 'WEFT_PROXY_SNAPSHOT');
  const certFile = need('cert', 'WEFT_PROXY_CERT');
  const keyFile = need('key', 'WEFT_PROXY_KEY');
  const caFile = need('ca', 'WEFT_PROXY_CA');
  const adminPort = portOf(args, 'admin-port', 15000, problems);
  const inboundPort = portOf(args, 'inbound-port', 15006, problems);
  const outboundPort = portOf(args, 'outbound-port', 15001, problems);
  const detectTimeoutMs = Number(args.values.get('detect-timeout-ms') ?? '200');
  const drainMs = Number(args.values.get('drain-ms') ?? io.env['WEFT_PROXY_DRAIN_MS'] ?? '10000');
  const level = (args.values.get('log-level') ?? io.env['WEFT_LOG_LEVEL'] ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) problems.push('--log-level must be debug, info, warn or error');
  if (problems.length > 0) {
    for (const p of problems) io.stderr.write(`weft proxy: ${p}\n`);
    return 2;
  }
  const clock = createSystemClock();
  const log = createJsonLog(io.stderr, clock, level);
  const capture = !args.flags.has('no-capture');
  let originalDst: ProxyOptions['originalDst'];
  if (capture) {
    const r = loadOriginalDstReader();
    if (!r.ok) {
      io.stderr.write(`weft proxy: ${r.error.message}\n`);
      return 1;
    }
    originalDst = r.value;
  }
  const accessLogFile = args.values.get('access-log');
  const accessLog = createAccessLog({
    sink: accessLogFile === undefined ? process.stdout : createWriteStream(accessLogFile, { flags: 'a' }).on('error', (e) => log.error('access log write failed', { error: e.message })),
    timers: createSystemFlushTimers(),
  });
  const identity = await createFileIdentitySource({ certPath: certFile, keyPath: keyFile, caPath: caFile });
  if (!identity.ok) {
    io.stderr.write(`weft proxy: ${identity.error.code}: ${identity.error.where === undefined ? '' : `${identity.error.where}: `}${identity.error.message}\n`);
    return 1;
  }
  const started = await startProxy({
    snapshotFile,
    identity: identity.value,
    adminAddress: args.values.get('admin-address') ?? '127.0.0.1',
    adminPort, inboundPort, outboundPort,
    capture, originalDst, detectTimeoutMs,
    watchSnapshot: !args.flags.has('no-watch'),
    log,
    clock,
    random: createSystemRandom(),
    // One JSON line per request or TCP connection (stdout, or --access-log FILE), when the snapshot turns it on.
    accessLog,
  });
  if (!started.ok) {
    for (const e of started.error) io.stderr.write(`weft proxy: ${e.code}: ${e.where === undefined ? '' : `${e.where}: `}${e.message}\n`);
    return 1;
  }
  const proxy = started.value;
  let unexpected = 0;
  const onUnexpected = (e: unknown): void => {
    unexpected++;
    proxy.metrics.unexpectedErrors.inc(['process']);
    log.error('unexpected error (the proxy keeps running)', { count: unexpected, error: e instanceof Error ? e.stack : String(e) });
  };
  // A closed stdout or stderr (the reader went away) must not turn every log line into an error.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  process.on('uncaughtException', onUnexpected);
  process.on('unhandledRejection', onUnexpected);
  process.on('SIGHUP', () => void proxy.reload('SIGHUP'));
  io.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, admin: proxy.adminPort, inbound: proxy.inboundPort ?? null, outbound: proxy.outboundPort ?? null, listeners: proxy.listeners() })}\n`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      accessLog.flush();
      log.info('signal received', { signal: sig });
      void proxy.drain(drainMs).then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // Everything is closed; should a stray handle remain, do not linger as a half-dead sidecar.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}
