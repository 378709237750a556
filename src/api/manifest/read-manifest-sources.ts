/**
 * Reads manifest files: a file, a directory (recursively, every `.yaml`, `.yml` and `.json`, in
 * name order), or `-` for standard input. Unreadable paths become problems, never exceptions.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManifestProblem } from './manifest-problem.js';

export interface ManifestSource {
  /** The name shown in problems: the path as given (joined for files found in directories), or "-". */
  readonly file: string;
  readonly text: string;
}

export interface ReadSources {
  readonly sources: readonly ManifestSource[];
  readonly problems: readonly ManifestProblem[];
}

const manifestExtension = /\.(ya?ml|json)$/i;

async function listDirectory(dir: string, out: string[], depth: number): Promise<void> {
  if (depth > 32) return; // a symlink loop or an absurd tree: stop rather than recurse forever
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await listDirectory(path, out, depth + 1);
    else if ((entry.isFile() || entry.isSymbolicLink()) && manifestExtension.test(entry.name)) out.push(path);
  }
}

function reason(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads every path. `readStdin` is called at most once, for the first `-`.
 * Files are read as UTF-8.
 */
export async function readManifestSources(paths: readonly string[], readStdin: () => Promise<string>): Promise<ReadSources> {
  const sources: ManifestSource[] = [];
  const problems: ManifestProblem[] = [];
  let stdinRead = false;
  for (const path of paths) {
    if (path === '-') {
      if (stdinRead) continue;
      stdinRead = true;
      try {
        sources.push({ file: '-', text: await readStdin() });
      } catch (e) {
        problems.push({ file: '-', path: '', message: `cannot read standard input: ${reason(e)}`, severity: 'error', code: 'WEFT_CONFIG_IO' });
      }
      continue;
    }
    try {
      const info = await stat(path);
      const files: string[] = [];
      if (info.isDirectory()) {
        await listDirectory(path, files, 0);
        if (files.length === 0) problems.push({ file: path, path: '', message: 'the directory holds no .yaml, .yml or .json files', severity: 'warning', code: 'WEFT_CONFIG_IO' });
      } else {
        files.push(path);
      }
      for (const file of files) {
        try {
          sources.push({ file, text: await readFile(file, 'utf8') });
        } catch (e) {
          problems.push({ file, path: '', message: `cannot read: ${reason(e)}`, severity: 'error', code: 'WEFT_CONFIG_IO' });
        }
      }
    } catch (e) {
      problems.push({ file: path, path: '', message: `cannot read: ${reason(e)}`, severity: 'error', code: 'WEFT_CONFIG_IO' });
    }
  }
  return { sources, problems };
}
