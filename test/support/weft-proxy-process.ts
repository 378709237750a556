/**
 * Runs `weft proxy` as a real child process for integration tests: writes its snapshot file, waits for
 * its ready line (bounded), collects its log lines, and stops it by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface ProxyProcess {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly adminPort: number;
  readonly snapshotPath: string;
  /** stderr log lines so far. */
  readonly logs: string[];
  /** stdout lines after the ready line (access log). */
  readonly stdoutLines: string[];
  /** Atomically replaces the snapshot file (the proxy notices the change). */
  writeSnapshot(snapshot: unknown): Promise<void>;
  /** Waits until a log line includes `text` (bounded). */
  waitForLog(text: string, timeoutMs?: number, fromIndex?: number): Promise<string>;
  admin(path: string): Promise<{ status: number; body: string }>;
  /** SIGTERM and wait for exit (SIGKILL after `timeoutMs`). Resolves to the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** A port that was free a moment ago on 127.0.0.1. */
/** Ports this process has handed out: never handed out twice. */
const handedOut = new Set<number>();

/** Whether 127.0.0.1:port can be listened on right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A port on 127.0.0.1 that nothing listens on, for a test to listen on (or to leave closed) a moment
 * later. Chosen below Linux's ephemeral range (32768–60999): a port the kernel picked with bind(0)
 * comes from that range, so once released, any outgoing connection of any process (tests run in
 * parallel) could take it before the test listens on it, which made tests fail with EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: no free port in 20000-31999 after 200 tries');
}

export interface StartProxyOptions {
  readonly dir: string;
  readonly name: string;
  /** File mode: the snapshot and identity files (ignored when `control` is given). */
  readonly snapshot?: unknown;
  readonly certPath?: string;
  readonly keyPath?: string;
  readonly caPath?: string;
  /** Control mode (`--control-url`): the proxy gets its certificate and snapshots from a control plane. */
  readonly control?: ControlModeOptions;
  readonly extraArgs?: readonly string[];
  /** A command to run the proxy under, e.g. `['ip', 'netns', 'exec', NS]`. */
  readonly prefix?: readonly string[];
  /** Options for node itself, before the script (e.g. `sidecarNodeOptions`); default none. */
  readonly nodeOptions?: readonly string[];
  /** Default `--no-capture`; pass false to run the capture listeners. */
  readonly noCapture?: boolean;
}

export interface ControlModeOptions {
  /** The control plane API, e.g. http://127.0.0.1:15080. */
  readonly controlUrl: string;
  /** The bootstrap token (written to `<dir>/<name>-token`). */
  readonly token: string;
  /** The workload registration (written to `<dir>/<name>-registration.json`). */
  readonly registration: unknown;
  /** HOST:PORT of the distributor. */
  readonly distributor?: string;
  readonly stateDir?: string;
  /** How long to wait for the ready line (certificate and first snapshot); default 10 s. */
  readonly readyTimeoutMs?: number;
}

const weftBin = join(process.cwd(), 'bin', 'weft.js');

export async function startWeftProxy(o: StartProxyOptions): Promise<ProxyProcess> {
  const snapshotPath = join(o.dir, `${o.name}-snapshot.json`);
  let modeArgs: string[];
  if (o.control !== undefined) {
    const tokenPath = join(o.dir, `${o.name}-token`);
    const registrationPath = join(o.dir, `${o.name}-registration.json`);
    await writeFile(tokenPath, `${o.control.token}\n`, { mode: 0o600 });
    await writeFile(registrationPath, JSON.stringify(o.control.registration, null, 2));
    modeArgs = ['--control-url', o.control.controlUrl, '--token-file', tokenPath, '--registration', registrationPath,
      ...(o.control.distributor === undefined ? [] : ['--distributor', o.control.distributor]),
      ...(o.control.stateDir === undefined ? [] : ['--state-dir', o.control.stateDir])];
  } else {
    if (o.certPath === undefined || o.keyPath === undefined || o.caPath === undefined) throw new Error('startWeftProxy: file mode needs certPath, keyPath and caPath');
    await writeFile(snapshotPath, JSON.stringify(o.snapshot, null, 2));
    modeArgs = ['--snapshot', snapshotPath, '--cert', o.certPath, '--key', o.keyPath, '--ca', o.caPath];
  }
  const args = [...(o.nodeOptions ?? []), weftBin, 'proxy', ...modeArgs,
    '--admin-port', '0', ...(o.noCapture === false ? [] : ['--no-capture']), '--log-level', 'debug', ...(o.extraArgs ?? [])];
  const prefix = o.prefix ?? [];
  const proc = prefix.length === 0
    ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(prefix[0]!, [...prefix.slice(1), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const stdoutLines: string[] = [];
  const waiters = new Set<() => void>();
  let errBuf = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (c: string) => {
    errBuf += c;
    let i;
    while ((i = errBuf.indexOf('\n')) >= 0) {
      logs.push(errBuf.slice(0, i));
      errBuf = errBuf.slice(i + 1);
    }
    for (const w of waiters) w();
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => {
    exitCode = code;
    resolve(code);
  }));
  let readyLine: string | undefined;
  const ready = await new Promise<{ admin: number }>((resolve, reject) => {
    let out = '';
    const readyMs = o.control?.readyTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      // Never leave a proxy behind that the caller has no handle on.
      proc.kill('SIGKILL');
      reject(new Error(`proxy ${o.name} not ready in ${readyMs} ms; logs:\n${logs.join('\n')}${errBuf}`));
    }, readyMs);
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (c: string) => {
      out += c;
      if (readyLine !== undefined) {
        let i;
        while ((i = out.indexOf('\n')) >= 0) {
          stdoutLines.push(out.slice(0, i));
          out = out.slice(i + 1);
        }
        return;
      }
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        readyLine = out.slice(0, nl);
        out = out.slice(nl + 1);
        try {
          resolve(JSON.parse(readyLine) as { admin: number });
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`proxy ${o.name} exited with ${String(code)} before ready:\n${logs.join('\n')}${errBuf}`));
    });
  });
  const pid = proc.pid ?? 0;
  let snapshotSeq = 0;
  return {
    proc,
    pid,
    adminPort: ready.admin,
    snapshotPath,
    logs,
    stdoutLines,
    async writeSnapshot(snapshot) {
      const tmp = `${snapshotPath}.${++snapshotSeq}.tmp`;
      await writeFile(tmp, JSON.stringify(snapshot, null, 2));
      await rename(tmp, snapshotPath);
    },
    waitForLog(text, timeoutMs = 5000, fromIndex = 0) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          for (let i = fromIndex; i < logs.length; i++) {
            const l = logs[i]!;
            if (l.includes(text)) {
              waiters.delete(check2);
              clearTimeout(timer);
              resolve(l);
              return true;
            }
          }
          return false;
        };
        const check2 = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(check2);
          reject(new Error(`no log line with "${text}" in ${timeoutMs} ms; last lines:\n${logs.slice(-15).join('\n')}`));
        }, timeoutMs);
        if (!check()) waiters.add(check2);
      });
    },
    async admin(path) {
      const res = await fetch(`http://127.0.0.1:${ready.admin}${path}`);
      return { status: res.status, body: await res.text() };
    },
    async stop(timeoutMs = 10_000) {
      if (exitCode !== undefined) return exitCode;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
