/**
 * Releases the memory a sidecar touched only to start: the pages of the node binary and of the
 * shared libraries that bootstrap, snapshot deserialisation and module compilation read once
 * (~20 MB of RssFile), and the free heap glibc keeps (`malloc_trim`). The file pages stay in the page
 * cache (shared by every sidecar on the node); they are only unmapped from this process, and what the
 * proxy still uses faults back in. Goes through the N-API addon in `native/memory-trim` (built by
 * `npm run build`); where it cannot load, `WEFT_RUNTIME_UNAVAILABLE` says why and nothing is done.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { weftError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { cleanFileMappings } from './clean-file-mappings.js';
import { parseStatusMemory, type StatusMemory } from './status-memory.js';

/** The addon's two functions (see native/memory-trim/src/memory_trim.c). */
export interface MemoryTrimAddon {
  /** madvise(MADV_DONTNEED) on a page-aligned range; 0 or the errno (EINVAL for bad arguments). Never throws. */
  adviseDontNeed(start: bigint, length: bigint): number;
  /** glibc malloc_trim(0): 1 if memory went back to the kernel, 0 if not, -1 without glibc. */
  mallocTrim(): number;
}

export interface LoadMemoryTrimOptions {
  /** Path of the compiled addon; default the one `npm run build` produces in this checkout. */
  readonly addonPath?: string;
  /** Default `process.platform`. */
  readonly platform?: string;
}

/** What one release did, with the process's resident memory just before and just after. */
export interface StartupPagesRelease {
  /** Mappings whose pages were dropped. */
  readonly ranges: number;
  /** Their resident kB before the drop (an upper bound of what RssFile loses). */
  readonly droppedRssKb: number;
  /** Mappings madvise refused (their errno names are not kept: the count is for the log). */
  readonly failed: number;
  readonly mallocTrimmed: boolean;
  readonly before: StatusMemory;
  readonly after: StatusMemory;
}

/** Where `native/build.sh` puts the addon, from this file's place in `dist/src/proxy/memory/`. */
export function defaultMemoryTrimAddonPath(): string {
  return fileURLToPath(new URL('../../../../native/memory-trim/build/Release/memory_trim.node', import.meta.url));
}

/** Loads the addon (createRequire: no package is involved, so the sidecar's module graph stays light). */
export function loadMemoryTrim(options: LoadMemoryTrimOptions = {}): Result<MemoryTrimAddon> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') return err(weftError('WEFT_RUNTIME_UNAVAILABLE', `releasing start-up pages needs Linux (/proc/self/smaps, madvise); this is ${platform}`));
  const path = options.addonPath ?? defaultMemoryTrimAddonPath();
  let addon: Partial<MemoryTrimAddon>;
  try {
    addon = createRequire(import.meta.url)(path) as Partial<MemoryTrimAddon>;
  } catch (e) {
    return err(weftError('WEFT_RUNTIME_UNAVAILABLE', `the memory-trim addon could not be loaded (${e instanceof Error ? e.message : String(e)}); run \`npm run build\``, path));
  }
  if (typeof addon.adviseDontNeed !== 'function' || typeof addon.mallocTrim !== 'function') {
    return err(weftError('WEFT_RUNTIME_UNAVAILABLE', 'the memory-trim addon has no adviseDontNeed or mallocTrim', path));
  }
  return ok(addon as MemoryTrimAddon);
}

function readStatus(): Result<StatusMemory> {
  const m = parseStatusMemory(readFileSync('/proc/self/status', 'utf8'));
  return m === undefined ? err(weftError('WEFT_RUNTIME_UNAVAILABLE', '/proc/self/status has no VmRSS/RssAnon/RssFile/RssShmem')) : ok(m);
}

/**
 * Drops the resident pages of every clean file mapping of this process (see clean-file-mappings.ts
 * for which are safe), then trims malloc's heap. Meant to run once, after start-up. Synchronous on
 * purpose: smaps is read and the ranges dropped in one turn of the event loop, so no JavaScript can
 * map or unmap anything in between. Returns an error value (never throws) when it cannot run here.
 */
export function releaseStartupPages(options: LoadMemoryTrimOptions = {}): Result<StartupPagesRelease> {
  const loaded = loadMemoryTrim(options);
  if (!loaded.ok) return loaded;
  const addon = loaded.value;
  try {
    const before = readStatus();
    if (!before.ok) return before;
    let ranges = 0;
    let failed = 0;
    let droppedRssKb = 0;
    for (const m of cleanFileMappings(readFileSync('/proc/self/smaps', 'utf8'))) {
      if (addon.adviseDontNeed(m.start, m.length) === 0) {
        ranges++;
        droppedRssKb += m.rssKb;
      } else failed++;
    }
    const mallocTrimmed = addon.mallocTrim() === 1;
    const after = readStatus();
    if (!after.ok) return after;
    return ok({ ranges, droppedRssKb, failed, mallocTrimmed, before: before.value, after: after.value });
  } catch (e) {
    return err(weftError('WEFT_RUNTIME_UNAVAILABLE', `cannot read /proc/self: ${e instanceof Error ? e.message : String(e)}`));
  }
}

const mb = (kb: number): number => Math.round(kb / 102.4) / 10;

/** The fields of the proxy's "released start-up memory" log line, in MB with one decimal. */
export function releaseLogFields(r: StartupPagesRelease): Readonly<Record<string, number | boolean>> {
  return {
    rssMbBefore: mb(r.before.vmRssKb), rssMbAfter: mb(r.after.vmRssKb),
    rssFileMbBefore: mb(r.before.rssFileKb), rssFileMbAfter: mb(r.after.rssFileKb),
    rssAnonMbBefore: mb(r.before.rssAnonKb), rssAnonMbAfter: mb(r.after.rssAnonKb),
    ranges: r.ranges, failed: r.failed, mallocTrimmed: r.mallocTrimmed,
  };
}
