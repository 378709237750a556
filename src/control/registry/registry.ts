/**
 * The registry of workload instances. Proxies register their instance when they connect, report
 * readiness changes, and renew a lease by heartbeat; an instance whose lease ran out counts as not
 * ready (its proxy is gone or cut off) until it heartbeats again, and is forgotten after
 * `forgetAfterMs`. Time comes from the injected clock; nothing here does I/O.
 * `snapshot()` is the frozen view the compiler reads, with a version that changes with every change
 * to what it shows. An instance that did not change keeps the same frozen object from one snapshot
 * to the next, so the compiler can tell by identity what changed (10,000 instances, one flips).
 */
import type { Problem } from '../../api/problem.js';
import type { Clock } from '../../core/clock.js';
import { err, ok, type Result } from '../../core/result.js';
import { parseWorkloadRegistration, type WorkloadRegistration } from './workload-instance.js';

export interface RegisteredInstance extends WorkloadRegistration {
  /** Reported ready and lease current. */
  readonly ready: boolean;
}

export interface RegistrySnapshot {
  /** Changes whenever the instances or their readiness change. */
  readonly version: number;
  /** Sorted by namespace, then name. */
  readonly instances: readonly RegisteredInstance[];
}

export interface Registry {
  /** Registers (or re-registers, replacing) an instance; it starts its lease now. */
  register(raw: unknown): Result<WorkloadRegistration, readonly Problem[]>;
  /** Renews an instance's lease; false when it is not registered (the proxy must register again). */
  heartbeat(namespace: string, name: string): boolean;
  /** Records a readiness change reported by the instance's proxy; false when not registered. */
  setReady(namespace: string, name: string, ready: boolean): boolean;
  deregister(namespace: string, name: string): boolean;
  /** Re-reads the clock: lapsed leases turn not ready, long-lapsed instances are forgotten. Call it periodically. */
  expire(): void;
  snapshot(): RegistrySnapshot;
}

export interface RegistryOptions {
  readonly clock: Clock;
  /** An instance without heartbeat for this long is not ready; default 30 s. */
  readonly leaseMs?: number;
  /** ... and is forgotten after this long; default 10 min. */
  readonly forgetAfterMs?: number;
  /** Called after every change to what `snapshot()` shows (persistence follows it; see registry-file.ts). */
  readonly onChange?: () => void;
}

interface Entry {
  readonly registration: WorkloadRegistration;
  reportedReady: boolean;
  lastSeen: number;
  leaseLapsed: boolean;
  /** The frozen view of this entry, until it changes. */
  view?: RegisteredInstance;
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function createRegistry(options: RegistryOptions): Registry {
  const { clock } = options;
  const leaseMs = options.leaseMs ?? 30_000;
  const forgetAfterMs = options.forgetAfterMs ?? 600_000;
  const entries = new Map<string, Entry>();
  let version = 0;
  let cached: RegistrySnapshot | undefined;

  const changed = (): void => {
    version++;
    cached = undefined;
    options.onChange?.();
  };

  return {
    register(raw) {
      const parsed = parseWorkloadRegistration(raw);
      if (!parsed.ok) return err(parsed.error);
      const r = parsed.value;
      entries.set(key(r.namespace, r.name), { registration: r, reportedReady: r.ready, lastSeen: clock.monotonic(), leaseLapsed: false });
      changed();
      return ok(r);
    },
    heartbeat(namespace, name) {
      const e = entries.get(key(namespace, name));
      if (e === undefined) return false;
      e.lastSeen = clock.monotonic();
      if (e.leaseLapsed) {
        e.leaseLapsed = false;
        delete e.view;
        changed();
      }
      return true;
    },
    setReady(namespace, name, ready) {
      const e = entries.get(key(namespace, name));
      if (e === undefined) return false;
      e.lastSeen = clock.monotonic();
      if (e.reportedReady !== ready || e.leaseLapsed) {
        e.reportedReady = ready;
        e.leaseLapsed = false;
        delete e.view;
        changed();
      }
      return true;
    },
    deregister(namespace, name) {
      const removed = entries.delete(key(namespace, name));
      if (removed) changed();
      return removed;
    },
    expire() {
      const now = clock.monotonic();
      for (const [k, e] of entries) {
        const idle = now - e.lastSeen;
        if (idle > forgetAfterMs) {
          entries.delete(k);
          changed();
        } else if (idle > leaseMs && !e.leaseLapsed) {
          e.leaseLapsed = true;
          delete e.view;
          changed();
        }
      }
    },
    snapshot() {
      if (cached !== undefined) return cached;
      const instances = [...entries.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, e]) => (e.view ??= Object.freeze({ ...e.registration, ready: e.reportedReady && !e.leaseLapsed })));
      cached = Object.freeze({ version, instances: Object.freeze(instances) });
      return cached;
    },
  };
}
