// The checkout's root directory, found from this file (tests run from dist/, paths differ by one level).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

export const repoRoot = findRoot();

/** A path inside the checkout. */
export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}
