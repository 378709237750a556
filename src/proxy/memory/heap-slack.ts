/**
 * When a sidecar should collect its old generation itself. Pure: the governor (heap-governor.ts)
 * feeds it samples of the old space's used bytes and does the collecting.
 *
 * Why: V8 lets the old generation grow to max(live × factor, live + 8 MB) plus the young generation's
 * capacity before its next full collection. For a sidecar with ~6.5 MB live that is ~8 MB of dead
 * objects held between full GCs, more than its whole live heap, and it is resident. Collecting when
 * the garbage passes a smaller slack keeps the heap near its live size; a full collection of a
 * sidecar's heap takes ~10 ms, so at most one every few seconds costs well under 1 % of a core.
 *
 * Not while the proxy is busy: when its event loop was active for more than `maxLoopUtilization` of
 * the last interval, the sample only updates the live estimate. Under load V8's own incremental
 * collector runs often anyway, a forced collection is a 20–30 ms stop of every connection, and,
 * measured under wrk, each one made V8 deoptimize the proxy's hottest functions (reason "weak
 * objects"), which then ran unoptimized until recompiled. The memory the governor is for is the one
 * held at a sidecar's usual, moderate rates (1,000 req/s is ~10 % of a hop's loop).
 */

export interface HeapSlackPolicy {
  /** Dead bytes allowed above the live old space before collecting, at least this many. */
  readonly minSlackBytes: number;
  /** ...and at least this fraction of the live size, so that a large heap (a big snapshot) is not collected constantly. */
  readonly slackRatio: number;
  /** Never two collections closer than this. */
  readonly minIntervalMs: number;
  /** Collections take at most this share of the time: after one that took D ms, the next waits D / share ms at least. */
  readonly maxTimeShare: number;
  /** No collection when the event loop was busy more than this share of the last sampling interval. */
  readonly maxLoopUtilization: number;
}

export const defaultHeapSlackPolicy: HeapSlackPolicy = Object.freeze({
  minSlackBytes: 3 * 1024 * 1024,
  slackRatio: 0.5,
  minIntervalMs: 2000,
  maxTimeShare: 0.01,
  maxLoopUtilization: 0.5,
});

export interface HeapSlackState {
  /**
   * The live size estimate: the old space's used bytes just after the last collection, lowered by
   * any smaller sample since (V8's own full collections). Undefined before the first sample.
   */
  readonly liveBytes: number | undefined;
  /** Monotonic time of the last collection this governor made, if any. */
  readonly lastCollectAtMs: number | undefined;
  /** How long that collection took. */
  readonly lastDurationMs: number;
}

export const initialHeapSlackState: HeapSlackState = Object.freeze({ liveBytes: undefined, lastCollectAtMs: undefined, lastDurationMs: 0 });

/** The slack allowed over `liveBytes` under `policy`. */
export function slackBytes(liveBytes: number, policy: HeapSlackPolicy): number {
  return Math.max(policy.minSlackBytes, liveBytes * policy.slackRatio);
}

/** The earliest monotonic time the next collection may run, given the last one. */
export function nextAllowedAtMs(state: HeapSlackState, policy: HeapSlackPolicy): number {
  if (state.lastCollectAtMs === undefined) return Number.NEGATIVE_INFINITY;
  const spacing = Math.max(policy.minIntervalMs, state.lastDurationMs / policy.maxTimeShare);
  return state.lastCollectAtMs + spacing;
}

export interface HeapSlackDecision {
  readonly collect: boolean;
  readonly state: HeapSlackState;
}

/**
 * Takes one sample of the old space's used bytes at monotonic time `nowMs`, with the share of the
 * interval since the last sample that the event loop was busy (0 when unknown): collect now or not.
 */
export function decideHeapSlack(state: HeapSlackState, usedBytes: number, nowMs: number, policy: HeapSlackPolicy, loopUtilization = 0): HeapSlackDecision {
  if (!Number.isFinite(usedBytes) || usedBytes < 0) return { collect: false, state };
  const liveBytes = state.liveBytes === undefined ? usedBytes : Math.min(state.liveBytes, usedBytes);
  const next: HeapSlackState = liveBytes === state.liveBytes ? state : { ...state, liveBytes };
  const over = usedBytes > liveBytes + slackBytes(liveBytes, policy);
  const idleEnough = !(loopUtilization > policy.maxLoopUtilization);
  return { collect: over && idleEnough && nowMs >= nextAllowedAtMs(next, policy), state: next };
}

/** The state after a collection that left `usedAfterBytes` in the old space and took `durationMs`. */
export function afterCollection(usedAfterBytes: number, atMs: number, durationMs: number): HeapSlackState {
  return { liveBytes: usedAfterBytes, lastCollectAtMs: atMs, lastDurationMs: Math.max(0, durationMs) };
}
