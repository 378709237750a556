// `weft control`: the control plane program. Reads its argv and environment here, once, and passes
// plain values down (CONVENTIONS §7).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { durationToMs } from '../api/duration.js';
import { createSystemClock } from '../core/system-clock.js';
import { startControlPlane } from './control-plane.js';

export interface ControlMainIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Parses `HOST:PORT` (or `[v6]:PORT`, or `PORT`). */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/** Runs the control plane until SIGINT/SIGTERM; resolves to the exit code. */
export async function controlMain(io: ControlMainIo): Promise<number> {
  let values: { listen?: string | undefined; home?: string | undefined; 'certificate-lifetime'?: string | undefined; 'distributor-listen'?: string | undefined };
  try {
    ({ values } = parseArgs({ args: [...io.argv], options: { listen: { type: 'string' }, home: { type: 'string' }, 'certificate-lifetime': { type: 'string' }, 'distributor-listen': { type: 'string' } }, strict: true }));
  } catch (e) {
    io.stderr.write(`weft control: ${e instanceof Error ? e.message : 'bad arguments'}\nRun "weft control --help" for usage.\n`);
    return 2;
  }
  const listen = parseListen(values.listen ?? '127.0.0.1:15080');
  if (listen === undefined) {
    io.stderr.write(`weft control: --listen takes HOST:PORT, not "${values.listen ?? ''}"\n`);
    return 2;
  }
  const distributorListen = values['distributor-listen'] !== undefined ? parseListen(values['distributor-listen']) : undefined;
  if (values['distributor-listen'] !== undefined && distributorListen === undefined) {
    io.stderr.write(`weft control: --distributor-listen takes HOST:PORT, not "${values['distributor-listen']}"\n`);
    return 2;
  }
  const lifetimeText = values['certificate-lifetime'];
  const certificateLifetimeMs = lifetimeText !== undefined ? durationToMs(lifetimeText) : undefined;
  if (lifetimeText !== undefined && (certificateLifetimeMs === undefined || certificateLifetimeMs <= 0)) {
    io.stderr.write(`weft control: --certificate-lifetime takes a duration like 60s or 24h, not "${lifetimeText}"\n`);
    return 2;
  }
  const home = resolve(io.cwd, values.home ?? io.env['WEFT_HOME'] ?? '.weft');
  const started = await startControlPlane({ home, host: listen.host, port: listen.port, clock: createSystemClock(),
    ...(certificateLifetimeMs !== undefined ? { certificateLifetimeMs } : {}),
    ...(distributorListen !== undefined ? { distributorHost: distributorListen.host, distributorPort: distributorListen.port } : {}),
    onWarning: (message) => io.stderr.write(`weft control: ${message}\n`),
  });
  if (!started.ok) {
    io.stderr.write(`weft control: ${started.error.message} (${started.error.code})\n`);
    return 1;
  }
  const cp = started.value;
  const host = cp.address.family === 'IPv6' ? `[${cp.address.address}]` : cp.address.address;
  for (const warning of cp.warnings) io.stderr.write(`weft control: warning: ${warning}\n`);
  if (cp.restoredInstances > 0) io.stdout.write(`weft control: restored ${cp.restoredInstances} registry instance(s) with fresh leases\n`);
  if (cp.repairedTornWrite) io.stderr.write('weft control: the store had a torn last write (a crash mid-write, never acknowledged); it was cut off\n');
  io.stdout.write(`weft control: listening on http://${host}:${cp.address.port} (home ${home}, store version ${cp.store.version()})\n`);
  const d = cp.distribution.address;
  io.stdout.write(`weft control: proxies subscribe on https://${d.family === 'IPv6' ? `[${d.address}]` : d.address}:${d.port} (HTTP/2, mTLS)\n`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await cp.close();
  io.stdout.write('weft control: stopped\n');
  return 0;
}
