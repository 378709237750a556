// Pure: reads totals out of Prometheus text exposition, to prove the proxies' metrics counted the load.

/**
 * Sums the sample values of one metric over all its label sets (`name{...} 12` and `name 12` lines),
 * or returns undefined when the metric has no samples at all.
 */
export function sumMetric(text: string, name: string): number | undefined {
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const next = line.charAt(name.length);
    if (next !== '{' && next !== ' ') continue;
    const close = next === '{' ? line.lastIndexOf('}') : name.length;
    const value = Number(line.slice(close + 1).trim().split(/\s+/)[0]);
    if (!Number.isFinite(value)) continue;
    sum += value;
    seen = true;
  }
  return seen ? sum : undefined;
}
