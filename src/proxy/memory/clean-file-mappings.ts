/**
 * Which mappings of a process may have their resident pages dropped with `madvise(MADV_DONTNEED)`
 * without losing anything: those whose every resident page is a clean page of a file, so that the
 * next access faults the same bytes back in from the page cache. Input is the text of
 * `/proc/<pid>/smaps`; pure, no I/O.
 *
 * On a private file mapping, a page that was ever written (a relocation in RELRO, `.data`) is a
 * copy-on-write anonymous copy: MADV_DONTNEED would throw the copy away and the next access would
 * read the file's original bytes (a crash, or worse). smaps counts such pages as `Anonymous` and
 * `Private_Dirty` (or `Swap` once swapped out), so a mapping is kept only when all of those are 0
 * and it can no longer be written. Everything doubtful is skipped: a missing field counts as "not
 * clean".
 */

/** A mapping whose resident pages are all clean file pages: dropping them is safe. */
export interface CleanFileMapping {
  /** First byte (page-aligned), as in smaps. */
  readonly start: bigint;
  /** Length in bytes (a whole number of pages). */
  readonly length: bigint;
  readonly perms: string;
  readonly path: string;
  /** Resident kB before the drop (`Rss:`). */
  readonly rssKb: number;
}

interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly perms: string;
  readonly path: string;
  readonly fields: Map<string, number>;
}

// start-end perms offset dev inode [path]; the path may contain spaces (and ends in " (deleted)" once unlinked).
const headerPattern = /^([0-9a-f]+)-([0-9a-f]+) ([-r][-w][-x][ps]) [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ \d+ *(.*)$/;
const fieldPattern = /^([A-Za-z_]+):\s+(\d+)(?: kB)?\s*$/;

/** The fields that must be present and 0: any of them > 0 means a page that is not a clean file page, or a locked one. */
const mustBeZero = ['Anonymous', 'Private_Dirty', 'Shared_Dirty', 'Swap', 'Locked'] as const;

function parseSmaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of text.split('\n')) {
    const h = headerPattern.exec(line);
    if (h !== null) {
      current = { start: BigInt(`0x${h[1] ?? ''}`), end: BigInt(`0x${h[2] ?? ''}`), perms: h[3] ?? '', path: h[4] ?? '', fields: new Map() };
      mappings.push(current);
      continue;
    }
    const f = fieldPattern.exec(line);
    if (f !== null && current !== undefined) current.fields.set(f[1] ?? '', Number(f[2]));
  }
  return mappings;
}

/** Why a mapping must be kept, or undefined when its pages may be dropped. */
function whyKept(m: { readonly perms: string; readonly path: string; readonly fields: ReadonlyMap<string, number> }): string | undefined {
  // [heap], [stack], [vdso], [vvar], anonymous memory: not backed by a file.
  if (!m.path.startsWith('/')) return 'not a file';
  if (m.path.endsWith(' (deleted)')) return 'deleted file';
  if (m.perms[3] !== 'p') return 'shared';
  if (m.perms[1] === 'w') return 'writable';
  for (const name of mustBeZero) {
    const v = m.fields.get(name);
    if (v === undefined) return `no ${name} field`;
    if (v !== 0) return `${name} ${v} kB`;
  }
  const rss = m.fields.get('Rss');
  if (rss === undefined) return 'no Rss field';
  if (rss === 0) return 'nothing resident';
  return undefined;
}

/**
 * The mappings in `smapsText` (the text of /proc/self/smaps) whose resident pages may be dropped:
 * private, not writable, backed by a file that still exists, with nothing anonymous, dirty, swapped
 * or locked, and something resident. In the order of the file (ascending addresses).
 */
export function cleanFileMappings(smapsText: string): readonly CleanFileMapping[] {
  const out: CleanFileMapping[] = [];
  for (const m of parseSmaps(smapsText)) {
    if (m.end <= m.start || whyKept(m) !== undefined) continue;
    out.push(Object.freeze({ start: m.start, length: m.end - m.start, perms: m.perms, path: m.path, rssKb: m.fields.get('Rss') ?? 0 }));
  }
  return Object.freeze(out);
}
