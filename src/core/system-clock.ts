import type { Clock } from './clock.js';

/** The real clock. Only programs' entry points and I/O edges construct it; pass it down from there. */
export function createSystemClock(): Clock {
  return {
    // eslint-disable-next-line no-restricted-properties -- this is the one place the real clock is read
    now: () => Date.now(),
    monotonic: () => performance.now(),
  };
}
