// What machine and tool versions a run was made with, for the report's header.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly haproxy: string;
  readonly nginx: string;
  readonly wrk: string;
  readonly openssl: string;
}

function firstLine(command: string, args: readonly string[]): string {
  try {
    // Several of these print their version on stderr (nginx -v) or exit non-zero (wrk -v): take both.
    const out = execFileSync(command, args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
    return out.trim().split('\n')[0] ?? 'unknown';
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    const text = `${x.stdout ?? ''}${x.stderr ?? ''}`.trim();
    return text.length > 0 ? (text.split('\n')[0] ?? 'unknown') : 'not installed';
  }
}

/** `nginx -v` prints to stderr and exits 0, so read both streams. */
function nginxVersion(): string {
  const r = spawnSync('nginx', ['-v'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return text.length > 0 ? (text.split('\n')[0] ?? 'unknown') : 'not installed';
}

/** Reads the CPU model (from /proc/cpuinfo), core count, kernel and tool versions. */
export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // keep os.cpus()'s answer
  }
  const nginxLine = nginxVersion();
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    kernel: `Linux ${release()}`,
    node: process.version,
    haproxy: firstLine('haproxy', ['-v']).replace(/ - https?:\S+$/, ''),
    nginx: nginxLine.replace(/^nginx version:\s*/, ''),
    wrk: firstLine('wrk', ['-v']).replace(/ Copyright.*$/, ''),
    openssl: firstLine('openssl', ['version']).replace(/ \(Library:.*\)$/, ''),
  };
}
