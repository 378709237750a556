/**
 * Keeps a sidecar's V8 heap near its live size: once a second it samples the old space, and when the
 * dead bytes there pass the slack of heap-slack.ts it runs a full collection, then gives malloc's free
 * pages back (`malloc_trim`, through the memory-trim addon, when it is loaded). The collection needs
 * `gc`, which node exposes with `--expose-gc`, one of the sidecar's launch options
 * (sidecar-node-options.ts); without it the governor does not start and says why.
 */
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Clock } from '../../core/clock.js';
import { weftError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { afterCollection, decideHeapSlack, initialHeapSlackState, type HeapSlackPolicy, type HeapSlackState } from './heap-slack.js';

export interface HeapGovernorDeps {
  /** A full, synchronous collection. */
  readonly gc: () => void;
  /** The old space's used bytes now. */
  readonly oldSpaceUsed: () => number;
  /**
   * Bytes held by ArrayBuffers (Buffers' memory, outside the V8 heap) now; optional. Counted with
   * the old space: a dead Buffer promoted there is a small object in it but keeps its whole backing
   * store until a full collection, so garbage can pile up in memory while the old space looks clean
   * (measured: a hop reading a peer's mux connection, whose reads are shared by many streams, held
   * ~3 MB more after each 10 s of saturating load, all of it freed by one full collection).
   */
  readonly externalBytes?: () => number;
  /** Gives malloc's free pages back; optional. */
  readonly mallocTrim?: () => number;
  /** The share of the time since its last call that the event loop was busy; optional (then never busy). */
  readonly loopUtilization?: () => number;
  readonly clock: Clock;
}

/** One collection the governor made. */
export interface HeapCollection {
  readonly usedBeforeBytes: number;
  readonly usedAfterBytes: number;
  readonly durationMs: number;
}

export interface HeapGovernorStats {
  readonly collections: number;
  readonly collectMsTotal: number;
  readonly liveBytes: number | null;
}

export interface HeapGovernor {
  /** Takes one sample; collects when the policy says so and returns what that did. */
  check(): HeapCollection | undefined;
  stats(): HeapGovernorStats;
}

export function createHeapGovernor(deps: HeapGovernorDeps, policy: HeapSlackPolicy): HeapGovernor {
  let state: HeapSlackState = initialHeapSlackState;
  let collections = 0;
  let collectMsTotal = 0;
  const sample = (): number => deps.oldSpaceUsed() + (deps.externalBytes?.() ?? 0);
  return {
    check() {
      const used = sample();
      const d = decideHeapSlack(state, used, deps.clock.monotonic(), policy, deps.loopUtilization?.() ?? 0);
      state = d.state;
      if (!d.collect) return undefined;
      const t0 = deps.clock.monotonic();
      deps.gc();
      deps.mallocTrim?.();
      const t1 = deps.clock.monotonic();
      const after = sample();
      state = afterCollection(after, t1, t1 - t0);
      collections++;
      collectMsTotal += t1 - t0;
      return { usedBeforeBytes: used, usedAfterBytes: after, durationMs: t1 - t0 };
    },
    stats: () => ({ collections, collectMsTotal, liveBytes: state.liveBytes ?? null }),
  };
}

/** A `loopUtilization` for the governor: node's event-loop utilization since the previous call. */
export function eventLoopBusyShare(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return share;
  };
}

/** Bytes held by ArrayBuffers (node's `process.memoryUsage().arrayBuffers`). */
export function arrayBufferBytes(): number {
  return process.memoryUsage().arrayBuffers;
}

/** The old space's used bytes from V8. */
export function v8OldSpaceUsed(): number {
  for (const s of getHeapSpaceStatistics()) if (s.space_name === 'old_space') return s.space_used_size;
  return Number.NaN;
}

/** The `gc` that `--expose-gc` puts on the global object, or an error saying it is missing. */
export function exposedGc(global: object = globalThis): Result<() => void> {
  const gc: unknown = (global as { gc?: unknown }).gc;
  if (typeof gc !== 'function') {
    return err(weftError('WEFT_RUNTIME_UNAVAILABLE', 'node was started without --expose-gc (launch the sidecar with the options of src/proxy/sidecar-node-options.ts)'));
  }
  return ok(() => void (gc as () => unknown)());
}

export interface RunningHeapGovernor {
  stop(): void;
  stats(): HeapGovernorStats;
}

/** Samples every `intervalMs` on an unref'd timer, reporting each collection to `onCollect`. */
export function startHeapGovernor(
  deps: HeapGovernorDeps,
  policy: HeapSlackPolicy,
  intervalMs: number,
  onCollect: (c: HeapCollection) => void,
): RunningHeapGovernor {
  const governor = createHeapGovernor(deps, policy);
  const timer = setInterval(() => {
    const c = governor.check();
    if (c !== undefined) onCollect(c);
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), stats: () => governor.stats() };
}
