/** Small helpers to run real programs in integration tests, bounded in time. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion (killed after `timeoutMs`), feeding `input` on stdin. */
export function run(cmd: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, [...args], { timeout: options.timeoutMs ?? 15_000, maxBuffer: 64 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
    // A program that exits before reading its input (openssl refused by the server, say) makes the
    // write fail with EPIPE; its exit status and output are what the caller checks.
    child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** curl speaking HTTP/2 in clear text from the first byte (h2c prior knowledge), bounded at 10 s. */
export function curlH2(args: readonly string[]): Promise<RunResult> {
  return run('curl', ['-sS', '--http2-prior-knowledge', '--max-time', '10', ...args], { timeoutMs: 15_000 });
}

/** Waits until something accepts TCP connections on 127.0.0.1:port (bounded). */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const okay = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (okay) return;
    if (performance.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A real redis-server on 127.0.0.1:port without persistence. */
export async function startRedis(port: number): Promise<{ proc: ChildProcess; stop(): Promise<void> }> {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
  await waitForPort(port);
  return {
    proc,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) {
        resolve();
        return;
      }
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}

/** Waits for `predicate` to hold (polled every 25 ms, bounded). */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
