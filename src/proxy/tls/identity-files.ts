/**
 * Identity material from files (`weft proxy --cert --key --ca`): load once, and watch for changes
 * (rotation on disk: cert-manager, a renewal job, a Kubernetes Secret's symlink swap). A change is
 * debounced, the three files are re-read together and checked; good material is reported, bad
 * material is reported as an error value and the caller keeps what it has.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { err, type Result } from '../../core/result.js';
import { weftError, type WeftError } from '../../core/errors.js';
import { parseIdentityMaterial, type IdentityMaterial } from './identity-material.js';

export interface IdentityFilePaths {
  readonly certPath: string;
  readonly keyPath: string;
  readonly caPath: string;
}

/** Reads and checks the three files. A proxy running as uid 1337 needs read access to all three. */
export async function loadIdentityFiles(paths: IdentityFilePaths, clock?: Clock): Promise<Result<IdentityMaterial>> {
  const texts: string[] = [];
  for (const path of [paths.certPath, paths.keyPath, paths.caPath]) {
    try {
      texts.push(await readFile(path, 'utf8'));
    } catch (e) {
      return err(weftError('WEFT_TLS_MATERIAL_INVALID', `cannot read ${path}: ${(e as Error).message}`, path));
    }
  }
  const [certPem = '', keyPem = '', caPem = ''] = texts;
  return parseIdentityMaterial({ certPem, keyPem, caPem }, clock);
}

export interface IdentityFileWatcherOptions {
  /** New, checked material that differs from the last reported (certificate, key or CA changed). */
  readonly onMaterial: (material: IdentityMaterial) => void;
  /** Unreadable or invalid material after a change; the caller keeps the material it has. */
  readonly onError: (error: WeftError) => void;
  /** Wait this long after the last change before re-reading (writers touch three files); default 200 ms. */
  readonly debounceMs?: number;
  /** The material already in force, so an unchanged re-read is not reported. */
  readonly current?: IdentityMaterial;
  /** With a clock, expired or not-yet-valid certificates count as invalid. */
  readonly clock?: Clock;
}

export interface IdentityFileWatcher {
  /** Re-reads now (e.g. on SIGHUP), with the same reporting as a file change. */
  reload(): Promise<void>;
  close(): void;
}

/** Watches the directories of the three files (so atomic renames and symlink swaps are seen). */
export function watchIdentityFiles(paths: IdentityFilePaths, options: IdentityFileWatcherOptions): IdentityFileWatcher {
  let last = options.current;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  const names = new Set([basename(paths.certPath), basename(paths.keyPath), basename(paths.caPath)]);

  const same = (a: IdentityMaterial | undefined, b: IdentityMaterial): boolean =>
    a !== undefined && a.fingerprint === b.fingerprint && a.keyPem === b.keyPem && a.caPem === b.caPem && a.certPem === b.certPem;

  const readOnce = async (): Promise<void> => {
    const r = await loadIdentityFiles(paths, options.clock);
    if (closed) return;
    if (!r.ok) {
      options.onError(r.error);
      return;
    }
    if (same(last, r.value)) return;
    last = r.value;
    options.onMaterial(r.value);
  };

  // One read at a time; a change during a read triggers one more read afterwards.
  const reload = async (): Promise<void> => {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await readOnce();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (): void => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void reload();
    }, options.debounceMs ?? 200);
  };

  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(paths.certPath), dirname(paths.keyPath), dirname(paths.caPath)])) {
    const w = watch(dir, { persistent: false }, (_event, filename) => {
      // Kubernetes Secret volumes swap a `..data` symlink; any other name is someone else's file.
      if (filename === null || names.has(filename) || filename.startsWith('..')) schedule();
    });
    w.on('error', (e) => options.onError(weftError('WEFT_TLS_MATERIAL_INVALID', `cannot watch ${dir}: ${e.message}`, dir)));
    watchers.push(w);
  }

  return {
    reload,
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
