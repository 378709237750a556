/**
 * Fixed latency buckets (seconds) for every request-duration histogram: 0.5 ms to 10 s. Fixed so
 * every proxy's histograms aggregate and so the hot path needs no configuration.
 */
export const latencyBucketsSeconds: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * The bucket index for a value: the first bound `>=` value (Prometheus buckets are `le`), or
 * `bounds.length` for the overflow (+Inf) bucket. NaN goes to the overflow bucket.
 */
export function bucketIndex(bounds: readonly number[], value: number): number {
  const n = bounds.length;
  let i = 0;
  while (i < n && !(value <= (bounds[i] as number))) i++;
  return i;
}
