// The runner's side of the simulated-proxy processes: starts each with an IPC channel, sends every
// process the same command, gathers one event from each with a time bound, and stops them by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunnerToSim, SimConfig, SimToRunner } from './control-sim-protocol.js';

export interface SimFleet {
  readonly pids: readonly number[];
  /** Sends `m` to every process (or to one by index). */
  send(m: RunnerToSim, index?: number): void;
  /** Resolves with one event per process that matches `pick` (in process order); rejects after `timeoutMs`. */
  gather<E extends SimToRunner>(pick: (e: SimToRunner) => e is E, timeoutMs: number, only?: number): Promise<E[]>;
  /** Asks each process to close its streams and exit; SIGKILLs by PID whatever is left after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const simMain = fileURLToPath(new URL('./control-sim-main.js', import.meta.url));

export function startSimFleet(configs: readonly SimConfig[], dir: string, heapMb: number): SimFleet {
  const children: ChildProcess[] = [];
  const queues: SimToRunner[][] = [];
  const waiters = new Set<() => void>();
  const failures: string[] = [];
  configs.forEach((config, i) => {
    const file = join(dir, `sim-${i}.json`);
    writeFileSync(file, JSON.stringify(config));
    const log = openSync(join(dir, `sim-${i}.log`), 'a');
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, simMain, file], { stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    const q: SimToRunner[] = [];
    queues.push(q);
    children.push(child);
    child.on('message', (m: unknown) => {
      const e = m as SimToRunner;
      if (e.ev === 'failed') failures.push(`simulated proxies ${i}: ${e.message}`);
      q.push(e);
      for (const w of [...waiters]) w();
    });
    child.on('exit', (code, signal) => {
      if (code !== 0 || signal !== null) failures.push(`simulated proxies ${i} exited (${signal ?? String(code)}); see ${join(dir, `sim-${i}.log`)}`);
      for (const w of [...waiters]) w();
    });
  });

  const fleet: SimFleet = {
    pids: children.map((c) => c.pid ?? -1),
    send(m, index) {
      children.forEach((c, i) => {
        if ((index === undefined || index === i) && c.connected) c.send(m);
      });
    },
    gather<E extends SimToRunner>(pick: (e: SimToRunner) => e is E, timeoutMs: number, only?: number): Promise<E[]> {
      return new Promise<E[]>((resolve, reject) => {
        const indexes = only === undefined ? children.map((_c, i) => i) : [only];
        const check = (): void => {
          if (failures.length > 0) {
            done();
            reject(new Error(failures.join('; ')));
            return;
          }
          const found = indexes.map((i) => (queues[i] as SimToRunner[]).findIndex(pick));
          if (found.every((f) => f >= 0)) {
            done();
            resolve(indexes.map((i, k) => (queues[i] as SimToRunner[]).splice(found[k] as number, 1)[0] as E));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no answer from the simulated proxies within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 5000) {
      fleet.send({ cmd: 'close' });
      const deadline = Date.now() + graceMs;
      while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const c of children) {
        if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
          try {
            process.kill(c.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    },
  };
  return fleet;
}
