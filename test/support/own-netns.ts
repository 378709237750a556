/**
 * Runs a whole test file inside a network namespace of its own, for the mesh end-to-end tests: the
 * file's `node:test` suite re-executes itself under `ip netns exec NS` with `WEFT_E2E_NETNS=NS` set.
 * Why: the client proxies use transparent capture for their outbound side (an iptables REDIRECT per
 * client source address, see mesh-harness.ts), and the control plane and proxies run on their fixed
 * default ports (15080, 15012), so that `weft control` restarts "on the same ports". None of that
 * may touch the host's loopback or tables. The namespace has only `lo`; every process started in it
 * is ours, and the outer run kills any left over by PID before deleting the namespace.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const envName = 'WEFT_E2E_NETNS';

/** The namespace this process runs in (set by the outer run), or undefined in the outer run. */
export function ownNetns(): string | undefined {
  const v = process.env[envName];
  return v === undefined || v === '' ? undefined : v;
}

function haveTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why this machine cannot run the mesh end-to-end tests, or false. */
export function netnsSkipReason(): string | false {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root to create a network namespace and iptables rules (CI runs as root)';
  const missing = ['ip', 'iptables-restore'].filter((t) => !haveTool(t));
  return missing.length > 0 ? `needs ${missing.join(', ')}` : false;
}

function sh(args: readonly string[]): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * In the outer run: one test that creates a namespace, runs `fileUrl` in it (its own tests and
 * after-hooks), reports its output as diagnostics, and passes when the inner run passed. Returns
 * false there; returns true inside the namespace, where the caller declares its real tests.
 */
export function runInOwnNetns(name: string, fileUrl: string, timeoutMs: number): boolean {
  if (ownNetns() !== undefined) return true;
  const skip = netnsSkipReason();
  test(`${name} (in a network namespace of its own)`, { skip, timeout: timeoutMs + 15_000 }, async (t) => {
    const ns = `weft-e2e-${randomBytes(4).toString('hex')}`;
    sh(['ip', 'netns', 'add', ns]);
    try {
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      const started = performance.now();
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--test-reporter=spec', fileURLToPath(fileUrl)], {
        // Without the parent runner's NODE_TEST_CONTEXT, so the inner run reports in text.
        env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), [envName]: ns },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      clearTimeout(timer);
      for (const line of output.split('\n')) if (line.trim() !== '') t.diagnostic(line);
      t.diagnostic(`inner run: exit ${String(code)} after ${Math.round(performance.now() - started)} ms`);
      assert.equal(code, 0, `the tests in ${ns} failed (exit ${String(code)}); their output:\n${output.split('\n').slice(-80).join('\n')}`);
    } finally {
      // Anything still running in the namespace was started by this run: stop it by PID.
      let pids: string[] = [];
      try {
        pids = sh(['ip', 'netns', 'pids', ns]).split('\n').filter((p) => /^\d+$/.test(p));
      } catch {
        pids = [];
      }
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      sh(['ip', 'netns', 'del', ns]);
    }
  });
  return false;
}
