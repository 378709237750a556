/**
 * The change log's line format: `<crc32 as 8 hex digits> <JSON>\n`, one record per line. The
 * checksum tells a torn last write (the process died mid-append) from a good record. Pure: the
 * file handling is in `file-persistence.ts`.
 */
import { crc32 } from 'node:zlib';
import { deepFreeze } from '../../api/deep-freeze.js';
import type { Resource } from '../../api/resource.js';
import { err, ok, type Result } from '../../core/result.js';
import type { StoreRecord } from './store-record.js';
import { isRecord } from '../../core/is-record.js';

/** Encodes one record as one line, newline included. */
export function encodeRecord(record: StoreRecord): Buffer {
  const json = Buffer.from(JSON.stringify(record), 'utf8');
  const sum = crc32(json).toString(16).padStart(8, '0');
  return Buffer.concat([Buffer.from(`${sum} `, 'ascii'), json, Buffer.from('\n', 'ascii')]);
}

export interface DecodedLog {
  readonly records: readonly StoreRecord[];
  /** Byte length of the good prefix: everything after it is a torn last write, to be cut off. */
  readonly goodLength: number;
  readonly torn: boolean;
}

function decodeLine(line: Buffer): StoreRecord | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const sum = Number.parseInt(line.subarray(0, 8).toString('ascii'), 16);
  const json = line.subarray(9);
  if (!Number.isFinite(sum) || crc32(json) !== sum) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value['version'] !== 'number' || (value['op'] !== 'put' && value['op'] !== 'delete') || !isRecord(value['resource'])) return undefined;
  return deepFreeze({ version: value['version'], op: value['op'], resource: value['resource'] as unknown as Resource });
}

/**
 * Decodes a whole log. A bad or unfinished LAST line is a torn write (never acknowledged): it is
 * reported through `goodLength`/`torn`. A bad line followed by good ones, or versions that do not
 * increase, mean the file was damaged otherwise: an error, so that nothing is silently lost.
 */
export function decodeLog(data: Buffer): Result<DecodedLog, string> {
  const records: StoreRecord[] = [];
  let offset = 0;
  let last = 0;
  while (offset < data.length) {
    const end = data.indexOf(0x0a, offset);
    const line = end === -1 ? data.subarray(offset) : data.subarray(offset, end);
    const record = end === -1 ? undefined : decodeLine(line);
    if (record === undefined) {
      if (end === -1 || end === data.length - 1) return ok({ records, goodLength: offset, torn: true });
      return err(`record at byte ${offset} is damaged and is not the last one`);
    }
    if (record.version <= last) return err(`record at byte ${offset} has version ${record.version}, not after ${last}`);
    last = record.version;
    records.push(record);
    offset = end + 1;
  }
  return ok({ records, goodLength: offset, torn: false });
}
