// Pure statistics for the benchmark harness: percentiles of one run, medians across rounds.

/** A median with the spread it came from, as the report prints it: `median [min–max]`. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/**
 * Nearest-rank percentile of an ascending-sorted array, the same rule as benchmarking.md's
 * fixedrate.js (`a[min(n-1, floor(p/100*n))]`), so our figures compare with the reference ones.
 * Returns NaN for an empty array.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const i = Math.min(n - 1, Math.max(0, Math.floor((p / 100) * n)));
  return sorted[i] as number;
}

/** Median of the finite values (mean of the two middle ones for an even count); NaN when none. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return Number.NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** Median, minimum and maximum of the finite values; non-finite values (failed rounds) are ignored. */
export function spread(values: readonly number[]): Spread {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, count: 0 };
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), count: v.length };
}

/** Maximum of the finite values, NaN when none. */
export function maxOf(values: readonly number[]): number {
  const v = values.filter(Number.isFinite);
  return v.length === 0 ? Number.NaN : Math.max(...v);
}

/** Arithmetic mean of the values, NaN when empty. */
export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i] as number;
  return s / n;
}
