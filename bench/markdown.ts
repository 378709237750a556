// Pure markdown helpers: tables, number formatting, and replacing one benchmark's section of BENCHMARKS.md.

/** Renders a GitHub-flavoured markdown table; cells are escaped for `|` and newlines. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const line = (cells: readonly string[]): string => `| ${cells.map(esc).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Formats a number with fixed decimals, or `–` when it is not finite (no data). */
export function fmt(value: number, decimals: number): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : '–';
}

/** Formats a signed delta (`+0.123`), or `–` when not finite. */
export function fmtDelta(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return '–';
  const s = value.toFixed(decimals);
  return value >= 0 ? `+${s}` : s;
}

/** Formats an integer with thousands separators (`22,042`), or `–`. */
export function fmtInt(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return Math.round(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `median [min–max]` with the given decimals, or `–` when there is no data. */
export function fmtSpread(s: { median: number; min: number; max: number }, decimals: number): string {
  if (!Number.isFinite(s.median)) return '–';
  return `${fmt(s.median, decimals)} [${fmt(s.min, decimals)}–${fmt(s.max, decimals)}]`;
}

/** The markers that delimit one benchmark's generated section in BENCHMARKS.md. */
export function sectionMarkers(id: string): { start: string; end: string } {
  return { start: `<!-- bench:${id}:start -->`, end: `<!-- bench:${id}:end -->` };
}

/**
 * Returns `doc` with the section `id` replaced by `body` (markers kept). A section that is not there
 * yet is appended at the end, so other benchmarks' sections and hand-written text stay untouched.
 */
export function replaceSection(doc: string, id: string, body: string): string {
  const { start, end } = sectionMarkers(id);
  const block = `${start}\n${body.trimEnd()}\n${end}`;
  const i = doc.indexOf(start);
  const j = i < 0 ? -1 : doc.indexOf(end, i);
  if (i >= 0 && j >= 0) return doc.slice(0, i) + block + doc.slice(j + end.length);
  const base = doc.trimEnd();
  return `${base.length > 0 ? `${base}\n\n` : ''}${block}\n`;
}
