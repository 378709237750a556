// Pure parsers for the /proc files the harness samples (Linux proc(5)); the reading is in proc-sample.ts.

/** CPU time and parent of one process, from /proc/PID/stat. Times are in clock ticks (CLK_TCK). */
export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly utimeTicks: number;
  readonly stimeTicks: number;
}

/**
 * Parses /proc/PID/stat. The command name (field 2) sits in parentheses and may itself hold spaces
 * or parentheses, so the fields are counted from the LAST ')'. utime and stime are fields 14 and 15
 * and cover every thread of the process. Returns undefined for text that does not have that shape.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (![pid, ppid, utime, stime].every(Number.isInteger)) return undefined;
  return { pid, ppid, utimeTicks: utime, stimeTicks: stime };
}

/** Child PIDs from /proc/PID/task/PID/children (space-separated, may be empty). */
export function parseChildren(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((s) => s.length > 0)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** vCPU used over an interval: CPU ticks consumed divided by wall time, in cores. */
export function vcpu(ticksUsed: number, clockTicksPerSecond: number, wallSeconds: number): number {
  if (wallSeconds <= 0 || clockTicksPerSecond <= 0) return Number.NaN;
  return ticksUsed / clockTicksPerSecond / wallSeconds;
}

/** Busy and total CPU time of the whole machine, in clock ticks, from the `cpu ` line of /proc/stat. */
export interface MachineCpu {
  readonly busyTicks: number;
  readonly totalTicks: number;
}

/**
 * Parses /proc/stat's aggregate `cpu` line: user nice system idle iowait irq softirq steal (guest
 * time is already inside user). Busy = everything but idle and iowait. Undefined if the line is absent.
 */
export function parseMachineCpu(text: string): MachineCpu | undefined {
  const m = /^cpu\s+(.+)$/m.exec(text);
  if (!m) return undefined;
  const f = (m[1] as string).trim().split(/\s+/).map(Number);
  if (f.length < 4 || !f.every(Number.isFinite)) return undefined;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const busy = user + nice + system + irq + softirq + steal;
  return { busyTicks: busy, totalTicks: busy + idle + iowait };
}

/** TCP connection states in /proc/net/tcp's `st` column (hex), the two the harness counts. */
export const tcpStates = { established: 0x01, timeWait: 0x06 } as const;

/**
 * Counts sockets in /proc/net/tcp in state `state` that belong to connections with a server on
 * `port`. `server`: only lines whose LOCAL port is `port` — the server's end, one per connection
 * (a loopback connection has a line for each end). `any`: lines with `port` at either end — for
 * TIME_WAIT, which stays on whichever end closed first.
 */
export function countTcpSockets(text: string, port: number, state: number, end: 'server' | 'any' = 'server'): number {
  const portOf = (addr: string): number => parseInt(addr.slice(addr.lastIndexOf(':') + 1), 16);
  let n = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st ...
    if (f.length < 4 || !f[0]?.endsWith(':') || parseInt(f[3] ?? '', 16) !== state) continue;
    const local = portOf(f[1] ?? '');
    const remote = portOf(f[2] ?? '');
    if (local === port || (end === 'any' && remote === port)) n++;
  }
  return n;
}
