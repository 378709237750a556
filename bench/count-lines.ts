// Counting lines of large log files without reading them whole.
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Counts lines of a file, and those holding `needle`, reading 1 MiB at a time (access logs can be
 * hundreds of MB); zeros when the file is absent.
 */
export function countLines(file: string, needle?: string): { lines: number; matching: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { lines: 0, matching: 0 };
  }
  const buf = Buffer.allocUnsafe(1 << 20);
  let lines = 0;
  let matching = 0;
  let carry = '';
  try {
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      const parts = (carry + buf.toString('utf8', 0, got)).split('\n');
      carry = parts.pop() ?? '';
      lines += parts.length;
      if (needle !== undefined) for (const l of parts) if (l.includes(needle)) matching++;
    }
  } finally {
    closeSync(fd);
  }
  return { lines, matching };
}
