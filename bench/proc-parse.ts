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

/** Resident set size in KiB from /proc/PID/status (`VmRSS:   12345 kB`), undefined when absent. */
export function parseVmRssKb(statusText: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB\s*$/m.exec(statusText);
  return m ? Number(m[1]) : undefined;
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
