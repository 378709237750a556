/**
 * What the sidecar process does about its own memory once it is ready: 3 s later, it gives back the
 * pages only start-up used (release-startup-pages.ts); from then on, the heap governor keeps V8's heap
 * near its live size (heap-governor.ts). Both are best effort: where one cannot run, a debug line
 * says why and the proxy goes on.
 */
import type { Clock } from '../../core/clock.js';
import type { Log } from '../runtime/log.js';
import { arrayBufferBytes, eventLoopBusyShare, exposedGc, startHeapGovernor, v8OldSpaceUsed, type RunningHeapGovernor } from './heap-governor.js';
import { defaultHeapSlackPolicy } from './heap-slack.js';
import { loadMemoryTrim, releaseLogFields, releaseStartupPages } from './release-startup-pages.js';

export interface SidecarMemoryOptions {
  readonly log: Log;
  readonly clock: Clock;
  /** `--keep-startup-pages`: do not release them. */
  readonly keepStartupPages: boolean;
  /** `--heap-slack-mb`: the governor's least slack in MB; 0 leaves the heap to V8. */
  readonly heapSlackMb: number;
  /** Default 3000 ms after the call. */
  readonly releaseAfterMs?: number;
  /** Default 1000 ms. */
  readonly sampleEveryMs?: number;
}

const mb1 = (bytes: number): number => Math.round(bytes / 104857.6) / 10;

/** Starts both; `stop()` cancels what has not run yet (call it when draining). */
export function startSidecarMemoryCare(o: SidecarMemoryOptions): { stop(): void } {
  let governor: RunningHeapGovernor | undefined;
  const startGovernor = (): void => {
    if (o.heapSlackMb === 0) {
      o.log.debug('heap governor off (--heap-slack-mb 0)');
      return;
    }
    const gc = exposedGc();
    if (!gc.ok) {
      o.log.debug('heap governor off', { code: gc.error.code, reason: gc.error.message });
      return;
    }
    const trim = loadMemoryTrim();
    const policy = { ...defaultHeapSlackPolicy, minSlackBytes: o.heapSlackMb * 1024 * 1024 };
    governor = startHeapGovernor(
      { gc: gc.value, oldSpaceUsed: v8OldSpaceUsed, externalBytes: arrayBufferBytes, loopUtilization: eventLoopBusyShare(), clock: o.clock, ...(trim.ok ? { mallocTrim: () => trim.value.mallocTrim() } : {}) },
      policy,
      o.sampleEveryMs ?? 1000,
      (c) => o.log.debug('heap collected', { oldSpaceMbBefore: mb1(c.usedBeforeBytes), oldSpaceMbAfter: mb1(c.usedAfterBytes), ms: Math.round(c.durationMs * 10) / 10 }),
    );
  };
  const timer = setTimeout(() => {
    if (o.keepStartupPages) o.log.debug('start-up pages kept (--keep-startup-pages)');
    else {
      const released = releaseStartupPages();
      if (released.ok) o.log.info('released start-up memory', releaseLogFields(released.value));
      else o.log.debug('start-up memory not released', { code: released.error.code, reason: released.error.message });
    }
    startGovernor();
  }, o.releaseAfterMs ?? 3000);
  timer.unref();
  return {
    stop() {
      clearTimeout(timer);
      governor?.stop();
    },
  };
}
