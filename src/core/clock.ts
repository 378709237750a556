/**
 * Time is injected (CONVENTIONS §9): domain code takes a `Clock`; programs pass `systemClock`, unit
 * tests pass a `ManualClock` and never sleep.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** A monotonic reading in milliseconds, for durations. */
  monotonic(): number;
}

export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(epochMs: number): void;
}

export function createManualClock(startEpochMs = 0): ManualClock {
  let epoch = startEpochMs;
  let mono = 0;
  return {
    now: () => epoch,
    monotonic: () => mono,
    advance(ms: number) {
      if (ms < 0) throw new RangeError('a manual clock only moves forward');
      epoch += ms;
      mono += ms;
    },
    set(epochMs: number) {
      epoch = epochMs;
    },
  };
}
