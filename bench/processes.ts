// Starting and stopping the benchmark's processes by PID, bounded runs of load tools, and readiness waits.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { request } from 'node:http';
import { processTree } from './proc-sample.js';

export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
}

/** Every process the harness starts goes through one of these, so all of them are stopped by PID at the end. */
export interface ProcessRegistry {
  /** Starts a long-running process with stdout and stderr appended to `logFile` (or ignored). */
  start(name: string, command: string, args: readonly string[], logFile?: string, stdoutFile?: string): Started;
  /** Stops one process (and its children) by PID: SIGTERM, then SIGKILL after `graceMs`. Says which it took. */
  stop(s: Started, graceMs?: number): Promise<'exited' | 'killed'>;
  /** Stops everything still running, newest first; returns a line per process that needed SIGKILL. */
  stopAll(): Promise<string[]>;
  /** Synchronous last resort for process exit: SIGKILL to every recorded PID and its children. */
  killAllNow(): void;
  /** PIDs still running. */
  running(): number[];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export function createProcessRegistry(): ProcessRegistry {
  const live = new Map<number, Started>();
  // Children of each started process (nginx workers), remembered so an orphan is not left behind.
  const knownChildren = new Map<number, Set<number>>();
  const remember = (pid: number): void => {
    const set = knownChildren.get(pid) ?? new Set<number>();
    for (const p of processTree(pid)) if (p !== pid) set.add(p);
    knownChildren.set(pid, set);
  };
  const registry: ProcessRegistry = {
    start(name, command, args, logFile, stdoutFile) {
      const errFd = logFile ? openSync(logFile, 'a') : 'ignore';
      const outFd = stdoutFile ? openSync(stdoutFile, 'a') : errFd;
      const child = spawn(command, args, { stdio: ['ignore', outFd, errFd] });
      if (typeof errFd === 'number') closeSync(errFd);
      if (typeof outFd === 'number' && outFd !== errFd) closeSync(outFd);
      if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
      const pid = child.pid;
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      child.once('error', () => undefined);
      const s: Started = { name, pid, child, exited };
      live.set(pid, s);
      void exited.then(() => live.delete(pid));
      return s;
    },
    async stop(s, graceMs = 3000) {
      remember(s.pid);
      const children = [...(knownChildren.get(s.pid) ?? [])];
      signal(s.pid, 'SIGTERM');
      const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, graceMs, 'timeout').unref());
      let outcome: 'exited' | 'killed' = 'exited';
      if ((await Promise.race([s.exited.then(() => 'exited' as const), timer])) === 'timeout') {
        outcome = 'killed';
        signal(s.pid, 'SIGKILL');
        await s.exited;
      }
      // Children exit with their parent (nginx master stops its worker); kill any that did not.
      const deadline = Date.now() + graceMs;
      while (children.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const c of children) if (isAlive(c)) signal(c, 'SIGKILL');
      live.delete(s.pid);
      return outcome;
    },
    async stopAll() {
      const killed: string[] = [];
      for (const s of [...live.values()].reverse()) {
        if ((await registry.stop(s)) === 'killed') killed.push(`${s.name} (pid ${s.pid}) did not exit within 3 s of SIGTERM and was killed`);
      }
      return killed;
    },
    killAllNow() {
      for (const pid of live.keys()) {
        remember(pid);
        for (const c of knownChildren.get(pid) ?? []) signal(c, 'SIGKILL');
        signal(pid, 'SIGKILL');
      }
    },
    running() {
      return [...live.keys()].filter(isAlive);
    },
  };
  return registry;
}

export interface BoundedRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/**
 * Runs a command to completion, killing it by PID (SIGKILL) if it is still running after `timeoutMs`.
 * `onLine` sees each stdout line as it arrives (the fixed-rate generator's events).
 */
export function runBounded(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  onLine?: (line: string) => void,
  onSpawn?: (pid: number) => void,
): Promise<BoundedRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    let pending = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      if (!onLine) return;
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    child.stderr.on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) signal(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(e), timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** A port that was free a moment ago on 127.0.0.1 (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connect to 127.0.0.1:port succeeds; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, isDead?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const okay = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (okay) return;
    if (isDead?.()) throw new Error(`process for port ${port} exited before it listened`);
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface HttpCheck {
  readonly status: number;
  readonly body: string;
}

/** One GET with a fresh connection and a time bound; rejects on error or timeout. */
export function httpGet(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<HttpCheck> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, headers, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
