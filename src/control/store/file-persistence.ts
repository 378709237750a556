/**
 * The embedded store's files, under `<dir>`: `changes.log`, an append-only log of checksummed
 * records (one line each, fdatasync'ed before a write is acknowledged), and `snapshot.json`, the
 * whole state at some version, replaced atomically when the log is compacted.
 *
 * Why a log rather than one file per resource: one sequential append + one fdatasync per write is
 * the cheapest durable write, a single record carries the version counter with the change (so
 * versions never go back after a crash, even across deletes), and the log is the watch history.
 * Compaction: write the snapshot at version V atomically, then swap in an empty log. A crash
 * between the two is harmless: on open, log records at or below the snapshot's version are skipped.
 */
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { deepFreeze } from '../../api/deep-freeze.js';
import type { Resource } from '../../api/resource.js';
import { err, ok, type Result } from '../../core/result.js';
import { fsyncDirectory, writeFileAtomic, writeFully } from './atomic-file.js';
import { decodeLog, encodeRecord } from './record-codec.js';
import type { StoreError } from './resource-store.js';
import type { StorePersistence } from './store-core.js';
import type { StoreStart } from './store-record.js';

export interface FilePersistenceOptions {
  /** Compact when the log holds at least this many records and more than the live resources; default 1,000. */
  readonly compactAfter?: number;
}

export interface OpenedFileStore {
  readonly start: StoreStart;
  readonly persistence: StorePersistence;
  /** True when a torn last write (never acknowledged) was cut off while opening. */
  readonly repairedTornWrite: boolean;
}

const LOG = 'changes.log';
const SNAPSHOT = 'snapshot.json';

function ioError(message: string, e?: unknown): StoreError {
  return { code: 'WEFT_STORE_IO', message: e === undefined ? message : `${message}: ${e instanceof Error ? e.message : 'unknown error'}` };
}

interface SnapshotFile {
  readonly version: number;
  readonly resources: readonly Resource[];
}

function readSnapshot(path: string): Result<SnapshotFile, StoreError> {
  if (!existsSync(path)) return ok({ version: 0, resources: [] });
  const text = readFileSync(path, 'utf8');
  const space = text.indexOf(' ');
  const body = text.slice(space + 1);
  if (space !== 8 || Number.parseInt(text.slice(0, 8), 16) !== crc32(Buffer.from(body, 'utf8'))) {
    return err({ code: 'WEFT_STORE_CORRUPT', message: `${path} fails its checksum (it is only ever replaced atomically, so it was damaged)` });
  }
  const parsed = JSON.parse(body) as SnapshotFile;
  return ok(deepFreeze(parsed));
}

function snapshotText(version: number, resources: readonly Resource[]): string {
  const body = JSON.stringify({ version, resources });
  return `${crc32(Buffer.from(body, 'utf8')).toString(16).padStart(8, '0')} ${body}`;
}

/** Opens (creating if needed) the store files in `dir`: loads the state and returns the persistence that appends to it. */
export function openFilePersistence(dir: string, options: FilePersistenceOptions = {}): Result<OpenedFileStore, StoreError> {
  const compactAfter = options.compactAfter ?? 1000;
  const logPath = join(dir, LOG);
  const snapshotPath = join(dir, SNAPSHOT);
  let fd: number;
  let snapshot: SnapshotFile;
  let repaired = false;
  let logRecords: number;
  let start: StoreStart;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const read = readSnapshot(snapshotPath);
    if (!read.ok) return read;
    snapshot = read.value;
    const created = !existsSync(logPath);
    fd = openSync(logPath, 'a+', 0o600);
    if (created) fsyncDirectory(dir);
    const decoded = decodeLog(readFileSync(logPath));
    if (!decoded.ok) {
      closeSync(fd);
      return err({ code: 'WEFT_STORE_CORRUPT', message: `${logPath}: ${decoded.error}` });
    }
    if (decoded.value.torn) {
      // The torn tail was never acknowledged (the write had not been synced); cut it off so appends follow good records.
      ftruncateSync(fd, decoded.value.goodLength);
      fdatasyncSync(fd);
      repaired = true;
    }
    const records = decoded.value.records.filter((r) => r.version > snapshot.version);
    logRecords = decoded.value.records.length;
    start = { baseVersion: snapshot.version, baseResources: snapshot.resources, records };
  } catch (e) {
    return err(ioError(`cannot open the store in ${dir}`, e));
  }

  const compact = (version: number, live: readonly Resource[]): void => {
    writeFileAtomic(snapshotPath, snapshotText(version, live));
    // Swap in an empty log: created and synced under another name, renamed over the old one, the
    // directory synced; its descriptor then takes over the appends (same file, no window without one).
    const fresh = `${logPath}.new`;
    const newFd = openSync(fresh, 'w', 0o600);
    try {
      fdatasyncSync(newFd);
      renameSync(fresh, logPath);
      fsyncDirectory(dir);
    } catch (e) {
      closeSync(newFd);
      throw e;
    }
    closeSync(fd);
    fd = newFd;
    logRecords = 0;
  };

  const persistence: StorePersistence = {
    append(record) {
      try {
        writeFully(fd, encodeRecord(record));
        fdatasyncSync(fd);
        logRecords++;
        return ok(undefined);
      } catch (e) {
        return err(ioError('cannot write the change log', e));
      }
    },
    afterChange(version, live) {
      if (logRecords < compactAfter) return;
      const resources = live();
      if (logRecords <= resources.length) return;
      try {
        compact(version, resources);
      } catch {
        // Compaction is an optimisation: the log is still complete, so the write stands; it is retried after the next change.
      }
    },
    close() {
      closeSync(fd);
    },
  };
  return ok({ start, persistence, repairedTornWrite: repaired });
}
