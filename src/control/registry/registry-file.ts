/**
 * The registry's instances on disk (`<home>/registry.json`), so that a control plane restarted
 * after a crash compiles the same world as before: the first proxies to reconnect then get the
 * snapshot (and version) they already run, instead of one without the endpoints whose proxies have
 * not re-registered yet. Instances are loaded back with a fresh lease, as if they had just sent a
 * heartbeat: one whose proxy never comes back lapses after the usual lease.
 *
 * The file is replaced atomically (atomic-file.ts), written at most once per `debounceMs` (the first
 * change starts the window, later ones join it), only when its content changed, and holds at most
 * `maxInstances` instances. A missing file is an empty registry; an unreadable, torn or corrupt one
 * is too, with a warning (the proxies re-register anyway); invalid entries are skipped with a warning.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { RegistrySnapshot } from './registry.js';
import { parseWorkloadRegistration, type WorkloadRegistration } from './workload-instance.js';
import { isRecord } from '../../core/is-record.js';

/** The file's format number; a file of another format is ignored with a warning. */
const fileFormat = 1;

/** Default bound on the instances written and loaded. */
export const defaultMaxPersistedInstances = 100_000;

export interface LoadedRegistryFile {
  /** Valid instances, in file order; `ready` is the readiness last shown (a lapsed lease is saved as not ready). */
  readonly instances: readonly WorkloadRegistration[];
  /** What was wrong with the file (nothing when it is missing or fine). */
  readonly warnings: readonly string[];
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : 'unknown error';
}

/** Reads the file; never throws: whatever is wrong with it becomes a warning and fewer instances. */
export function readRegistryFile(path: string, maxInstances = defaultMaxPersistedInstances): LoadedRegistryFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { instances: [], warnings: [] };
    return { instances: [], warnings: [`cannot read ${path} (${errorMessage(e)}); starting with an empty registry`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { instances: [], warnings: [`${path} is torn or corrupt (${errorMessage(e)}); starting with an empty registry`] };
  }
  if (!isRecord(parsed) || parsed['format'] !== fileFormat || !Array.isArray(parsed['instances'])) {
    return { instances: [], warnings: [`${path} is not a registry file of format ${fileFormat}; starting with an empty registry`] };
  }
  const raw: readonly unknown[] = parsed['instances'];
  const warnings: string[] = [];
  if (raw.length > maxInstances) warnings.push(`${path} holds ${raw.length} instances; only the first ${maxInstances} are loaded`);
  const instances: WorkloadRegistration[] = [];
  let invalid = 0;
  let firstProblem = '';
  for (const entry of raw.slice(0, maxInstances)) {
    const r = parseWorkloadRegistration(entry);
    if (r.ok) {
      instances.push(r.value);
    } else {
      if (invalid === 0) firstProblem = r.error.map((p) => `${p.path}: ${p.message}`).join('; ');
      invalid++;
    }
  }
  if (invalid > 0) warnings.push(`${path}: ${invalid} invalid instance(s) skipped (first: ${firstProblem})`);
  return { instances, warnings };
}

/** The file's content for a registry snapshot (at most `maxInstances` instances). */
export function encodeRegistryFile(snapshot: RegistrySnapshot, maxInstances = defaultMaxPersistedInstances): string {
  return JSON.stringify({ format: fileFormat, instances: snapshot.instances.slice(0, maxInstances) });
}

export interface PersistTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RegistryPersisterOptions {
  readonly path: string;
  /** The registry's current view (`registry.snapshot`). */
  readonly snapshot: () => RegistrySnapshot;
  /** Default 500 ms. */
  readonly debounceMs?: number;
  readonly maxInstances?: number;
  readonly timers?: PersistTimers;
  /** The content the file holds now (what was loaded), so that an unchanged registry is not rewritten. */
  readonly written?: string;
  /** A write failed (it is retried after the next window). */
  readonly onError?: (message: string) => void;
  /** Replaces the write (tests). */
  readonly write?: (path: string, data: string) => void;
}

export interface RegistryPersister {
  /** The registry changed: write it at the end of the current window. */
  changed(): void;
  /** Writes now if anything is pending. */
  flush(): void;
  /** Flushes and stops. */
  close(): void;
}

const defaultTimers: PersistTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Follows the registry's changes and keeps the file up to date (see the module comment). */
export function createRegistryPersister(options: RegistryPersisterOptions): RegistryPersister {
  const debounceMs = options.debounceMs ?? 500;
  const timers = options.timers ?? defaultTimers;
  const write = options.write ?? ((path: string, data: string) => writeFileAtomic(path, data));
  let written = options.written;
  let pending: unknown;
  let dirty = false;
  let closed = false;

  const writeNow = (): void => {
    if (!dirty) return;
    dirty = false;
    const data = encodeRegistryFile(options.snapshot(), options.maxInstances);
    if (data === written) return;
    try {
      write(options.path, data);
      written = data;
    } catch (e) {
      options.onError?.(`cannot write ${options.path}: ${errorMessage(e)}`);
      if (!closed) persister.changed(); // retry after the next window
    }
  };

  const persister: RegistryPersister = {
    changed() {
      dirty = true;
      if (closed || pending !== undefined) return;
      pending = timers.setTimeout(() => {
        pending = undefined;
        writeNow();
      }, debounceMs);
    },
    flush() {
      if (pending !== undefined) timers.clearTimeout(pending);
      pending = undefined;
      writeNow();
    },
    close() {
      closed = true;
      persister.flush();
    },
  };
  return persister;
}
