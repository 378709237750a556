/**
 * The state shared by every session of one engine: dependencies, limits, the live session set
 * (for drain and the idle sweep) and the per-app-port pool targets.
 */
import type { Clock } from '../../core/clock.js';
import type { ConnectionPool } from '../pool/connection-pool.js';
import { createPlainTarget, type UpstreamTarget } from '../pool/upstream-target.js';
import type { HeadLimits } from './codec/index.js';
import type { TraceIds } from '../telemetry/index.js';

export interface SessionLike {
  isIdle(): boolean;
  closeWhenIdle(): void;
  destroy(): void;
  readonly lastActive: number;
}

export class EngineCore {
  readonly sessions = new Set<SessionLike>();
  private readonly appTargets = new Map<string, UpstreamTarget>();
  draining = false;
  private drainWaiter: (() => void) | undefined = undefined;

  constructor(
    readonly clock: Clock,
    readonly peerPool: ConnectionPool,
    readonly appPool: ConnectionPool,
    readonly ownIdentity: string,
    readonly limits: HeadLimits,
    readonly traceIds: TraceIds,
    readonly closeGraceMs: number,
    /** This workload, for access-log lines. */
    readonly workloadName: string | undefined,
    readonly workloadNamespace: string | undefined,
    /** Told of bugs caught at a socket handler (the connection is closed, the process lives on). */
    readonly onInternalError: (error: unknown) => void,
  ) {}

  /** The pool target of a local application port (built once per address:port). */
  appTarget(address: string, port: number): UpstreamTarget {
    const key = `${address}|${port}`;
    let t = this.appTargets.get(key);
    if (t === undefined) {
      t = createPlainTarget(address, port);
      this.appTargets.set(key, t);
    }
    return t;
  }

  sessionOpened(s: SessionLike): void {
    this.sessions.add(s);
  }

  sessionClosed(s: SessionLike): void {
    this.sessions.delete(s);
    if (this.sessions.size === 0 && this.drainWaiter !== undefined) this.drainWaiter();
  }

  /** Closes sessions waiting for a request head for longer than `idleMs` (idle keep-alive, or a slow partial head). */
  sweep(idleMs: number): void {
    const limit = this.clock.monotonic() - idleMs;
    for (const s of this.sessions) if (s.lastActive <= limit && s.isIdle()) s.closeWhenIdle();
  }

  /** Resolves when every session is gone. */
  whenEmpty(): Promise<void> {
    if (this.sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiter = resolve;
    });
  }
}
