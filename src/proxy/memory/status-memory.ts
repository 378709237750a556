/**
 * The resident-memory figures of `/proc/<pid>/status` (pure: parses the text). Linux splits VmRSS
 * into RssAnon (heap, V8's spaces, stacks, copy-on-write copies), RssFile (pages of mapped files:
 * the node binary, shared libraries) and RssShmem.
 */

export interface StatusMemory {
  readonly vmRssKb: number;
  readonly rssAnonKb: number;
  readonly rssFileKb: number;
  readonly rssShmemKb: number;
}

const names = { VmRSS: 'vmRssKb', RssAnon: 'rssAnonKb', RssFile: 'rssFileKb', RssShmem: 'rssShmemKb' } as const;

/** The four figures in kB, or undefined when one is missing (not Linux, or a kernel before 4.5). */
export function parseStatusMemory(statusText: string): StatusMemory | undefined {
  const found: Partial<Record<(typeof names)[keyof typeof names], number>> = {};
  for (const line of statusText.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = names[line.slice(0, colon) as keyof typeof names] as (typeof names)[keyof typeof names] | undefined;
    if (key === undefined) continue;
    const m = /^\s*(\d+) kB\s*$/.exec(line.slice(colon + 1));
    if (m !== null) found[key] = Number(m[1]);
  }
  const { vmRssKb, rssAnonKb, rssFileKb, rssShmemKb } = found;
  if (vmRssKb === undefined || rssAnonKb === undefined || rssFileKb === undefined || rssShmemKb === undefined) return undefined;
  return Object.freeze({ vmRssKb, rssAnonKb, rssFileKb, rssShmemKb });
}
