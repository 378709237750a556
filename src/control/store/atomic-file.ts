/**
 * Crash-safe replacement of a whole file: write a temporary file beside it, fsync it, rename it
 * over the target, fsync the directory. After a crash the target holds either the old or the new
 * content, never a mix. Synchronous: the store's writes are short and must not interleave.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** fsyncs a directory so that a rename or a new file in it survives a crash. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `data` at the file's current position (writeSync may write less than asked). */
export function writeFully(fd: number, data: Buffer): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done);
}

/** Atomically replaces `path` with `data` (file mode `mode`, default 0600). Throws on I/O errors. */
export function writeFileAtomic(path: string, data: Buffer | string, mode = 0o600): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeFully(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDirectory(dir);
}
