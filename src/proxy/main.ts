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
import { readFile } from 'node:fs/promises';
import type { WeftError } from '../core/errors.js';
import { weftError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { startProxy, type ProxyOptions, type RunningProxy } from './runtime/proxy-runtime.js';
import { applySnapshotPatch } from './control-stream/apply-snapshot-patch.js';
import { parseRegistrationText, startJoinedProxy, type JoinedProxy, type JoinOptions } from './runtime/start-joined-proxy.js';
import { createFileIdentitySource } from './runtime/identity-source.js';
import { formatSpiffeId } from './tls/spiffe-id.js';
import { startSidecarMemoryCare } from './memory/sidecar-memory.js';

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

const fileModeOptions = ['snapshot', 'cert', 'key', 'ca'] as const;
const controlModeOptions = ['token-file', 'registration', 'distributor', 'state-dir', 'trust-domain'] as const;
const valueOptions = new Set([...fileModeOptions, 'control-url', ...controlModeOptions, 'admin-port', 'admin-address', 'inbound-port', 'outbound-port', 'detect-timeout-ms', 'drain-ms', 'log-level', 'access-log', 'heap-slack-mb']);
const flagOptions = new Set(['no-capture', 'no-watch', 'keep-startup-pages', 'no-mesh-mux']);

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
  const need = (name: string, envName: string, why = ''): string => {
    const v = args.values.get(name) ?? io.env[envName];
    if (v === undefined || v === '') problems.push(`--${name} FILE is required (or ${envName})${why}`);
    return v ?? '';
  };
  // Two modes: from files (--snapshot --cert --key --ca), or joined to a control plane (--control-url:
  // the CA gives the certificate, the distributor the snapshots).
  const controlUrl = args.values.get('control-url') ?? (io.env['WEFT_CONTROL'] === '' ? undefined : io.env['WEFT_CONTROL']);
  const controlMode = controlUrl !== undefined;
  let snapshotFile = '';
  let certFile = '';
  let keyFile = '';
  let caFile = '';
  let control: ControlArgs | undefined;
  if (controlMode) {
    const given = fileModeOptions.filter((n) => args.values.has(n));
    if (given.length > 0) problems.push(`${given.map((n) => `--${n}`).join(', ')} cannot be used with --control-url: the control plane gives the certificate and the snapshots`);
    control = controlArgs(controlUrl, args, io.env, need, problems);
  } else {
    const given = controlModeOptions.filter((n) => args.values.has(n));
    if (given.length > 0) problems.push(`${given.map((n) => `--${n}`).join(', ')} ${given.length === 1 ? 'needs' : 'need'} --control-url (or WEFT_CONTROL)`);
    const why = ', unless the proxy joins a control plane (--control-url)';
    snapshotFile = need('snapshot', 'WEFT_PROXY_SNAPSHOT', why);
    certFile = need('cert', 'WEFT_PROXY_CERT', why);
    keyFile = need('key', 'WEFT_PROXY_KEY', why);
    caFile = need('ca', 'WEFT_PROXY_CA', why);
  }
  const adminPort = portOf(args, 'admin-port', 15000, problems);
  const inboundPort = portOf(args, 'inbound-port', 15006, problems);
  const outboundPort = portOf(args, 'outbound-port', 15001, problems);
  const detectTimeoutMs = Number(args.values.get('detect-timeout-ms') ?? '200');
  const drainMs = Number(args.values.get('drain-ms') ?? io.env['WEFT_PROXY_DRAIN_MS'] ?? '10000');
  const heapSlackMb = Number(args.values.get('heap-slack-mb') ?? '3');
  if (!(Number.isFinite(heapSlackMb) && heapSlackMb >= 0 && heapSlackMb <= 1024)) problems.push('--heap-slack-mb must be a number of MB from 0 (off) to 1024');
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
  const runtimeOptions = {
    adminAddress: args.values.get('admin-address') ?? '127.0.0.1',
    adminPort, inboundPort, outboundPort,
    capture, originalDst, detectTimeoutMs,
    log,
    clock,
    random: createSystemRandom(),
    // One JSON line per request or TCP connection (stdout, or --access-log FILE), when the snapshot turns it on.
    accessLog,
    meshMux: !args.flags.has('no-mesh-mux'),
  };
  const printErrors = (errors: readonly WeftError[]): void => {
    for (const e of errors) io.stderr.write(`weft proxy: ${e.code}: ${e.where === undefined ? '' : `${e.where}: `}${e.message}\n`);
  };
  let proxy: RunningProxy;
  let stopProxy: (deadlineMs: number) => Promise<void>;
  if (control !== undefined) {
    const joined = await joinControlPlane(control, runtimeOptions);
    if (!joined.ok) {
      printErrors(joined.error);
      return 1;
    }
    proxy = joined.value.proxy;
    stopProxy = (ms) => joined.value.stop(ms);
  } else {
    const identity = await createFileIdentitySource({ certPath: certFile, keyPath: keyFile, caPath: caFile });
    if (!identity.ok) {
      printErrors([identity.error]);
      return 1;
    }
    const started = await startProxy({ ...runtimeOptions, snapshotFile, identity: identity.value, watchSnapshot: !args.flags.has('no-watch') });
    if (!started.ok) {
      identity.value.close();
      printErrors(started.error);
      return 1;
    }
    proxy = started.value;
    stopProxy = (ms) => started.value.drain(ms);
  }
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
  // Once start-up is over, give back the pages only it used; then keep the heap near its live size.
  const memoryCare = startSidecarMemoryCare({ log, clock, keepStartupPages: args.flags.has('keep-startup-pages'), heapSlackMb });
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      memoryCare.stop();
      accessLog.flush();
      log.info('signal received', { signal: sig });
      void stopProxy(drainMs).then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // Everything is closed; should a stray handle remain, do not linger as a half-dead sidecar.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}

interface ControlArgs {
  readonly controlUrl: string;
  readonly distributorUrl: string;
  readonly tokenFile: string;
  readonly registrationFile: string;
  readonly trustDomain: string;
  readonly stateDir: string | undefined;
}

/** Control mode's options; problems are collected with the others. */
function controlArgs(
  controlUrl: string, args: ParsedArgs, env: ProxyIo['env'],
  need: (name: string, envName: string, why?: string) => string, problems: string[],
): ControlArgs {
  const tokenFile = need('token-file', 'WEFT_PROXY_TOKEN_FILE', ' with --control-url');
  const registrationFile = need('registration', 'WEFT_PROXY_REGISTRATION', ' with --control-url');
  let url: URL | undefined;
  try {
    url = new URL(controlUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    problems.push(`--control-url must be an http:// or https:// URL, not "${controlUrl}"`);
  }
  const distributor = args.values.get('distributor') ?? `${url?.hostname ?? '127.0.0.1'}:15012`;
  const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(distributor);
  const port = Number(m?.[2]);
  if (m === null || !(port >= 1 && port <= 65535)) problems.push(`--distributor takes HOST:PORT, not "${distributor}"`);
  const trustDomain = args.values.get('trust-domain') ?? env['WEFT_TRUST_DOMAIN'] ?? 'cluster.local';
  if (!/^[a-z0-9._-]{1,255}$/.test(trustDomain)) problems.push(`--trust-domain must be a trust domain (lower-case letters, digits, ".", "-", "_"), not "${trustDomain}"`);
  return {
    controlUrl,
    distributorUrl: `https://${m?.[1] ?? '127.0.0.1'}:${m?.[2] ?? '15012'}`,
    tokenFile,
    registrationFile,
    trustDomain,
    stateDir: args.values.get('state-dir') ?? env['WEFT_PROXY_STATE_DIR'],
  };
}

/** Reads the token and the registration, then joins (waits for a certificate and a first snapshot). */
async function joinControlPlane(c: ControlArgs, runtime: JoinOptions['proxy'] & Pick<JoinOptions, 'log' | 'clock' | 'random'>): Promise<Result<JoinedProxy, readonly WeftError[]>> {
  const read = async (file: string, what: string): Promise<Result<string, WeftError>> => {
    try {
      return ok(await readFile(file, 'utf8'));
    } catch (e) {
      return err(weftError('WEFT_CONFIG_IO', `cannot read the ${what}: ${e instanceof Error ? e.message : String(e)}`, file));
    }
  };
  const token = await read(c.tokenFile, 'bootstrap token');
  const registrationText = await read(c.registrationFile, 'registration');
  const problems: WeftError[] = [];
  if (!token.ok) problems.push(token.error);
  else if (token.value.trim() === '') problems.push(weftError('WEFT_CONFIG_INVALID', 'the token file is empty', c.tokenFile));
  const registration = registrationText.ok ? parseRegistrationText(registrationText.value, c.registrationFile) : registrationText;
  if (!registration.ok) problems.push(registration.error);
  if (!token.ok || !registration.ok || problems.length > 0) return err(problems);
  // The identity the proxy will ask the CA for must be a mesh SPIFFE ID, or no request can succeed.
  const id = formatSpiffeId(c.trustDomain, registration.value.namespace, registration.value.serviceAccount ?? 'default');
  if (!id.ok) return err([weftError('WEFT_CONFIG_INVALID', `the registration names no valid identity: ${id.error.message}`, c.registrationFile)]);
  runtime.log.info('joining the control plane', { control: c.controlUrl, distributor: c.distributorUrl, namespace: registration.value.namespace, name: registration.value['name'] });
  return startJoinedProxy({
    controlUrl: c.controlUrl,
    distributorUrl: c.distributorUrl,
    token: token.value.trim(),
    registration: registration.value,
    trustDomain: c.trustDomain,
    ...(c.stateDir !== undefined ? { stateDir: c.stateDir } : {}),
    proxy: runtime,
    log: runtime.log,
    clock: runtime.clock,
    random: runtime.random,
    timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    applyPatch: applySnapshotPatch,
  });
}
