// Starts a real `weft control` child process on a free port with its own WEFT_HOME, and runs the
// real `weft` CLI against it, for integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const weftBin = fileURLToPath(new URL('../../../bin/weft.js', import.meta.url));

export interface ControlProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `weft control --listen 127.0.0.1:0` in `home` (or with `args` instead, e.g. fixed ports for
 * a restart on the same addresses); resolves once it prints its address.
 */
export function startControl(home: string, timeoutMs = 15_000, args: readonly string[] = ['--listen', '127.0.0.1:0']): Promise<ControlProcess> {
  const child = spawn(process.execPath, [weftBin, 'control', ...args], { cwd: home, env: { ...process.env, WEFT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weft control did not start in time; stdout: ${out} stderr: ${err}`));
    }, timeoutMs);
    const early = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`weft control exited (${code}) before listening; stderr: ${err}`));
    };
    child.once('exit', early);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        child.off('exit', early);
        resolve({
          url: m[1]!,
          child,
          async stop(signal: NodeJS.Signals = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            await exited;
          },
        });
      }
    });
  });
}

export interface WeftRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `weft` CLI as a child process. */
export function runWeftProcess(args: readonly string[], options: { cwd: string; env: Record<string, string>; stdin?: string }): Promise<WeftRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [weftBin, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weft ${args.join(' ')} did not finish in time`));
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
