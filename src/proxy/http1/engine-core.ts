/**
 * The state shared by every session of one engine: dependencies, limits, the live session set
 * (for drain and the idle sweep) and the per-app-port pool targets.
 */
import type { Clock } from '../../core/clock.js';
import type { ConnectionPool } from '../pool/connection-pool.js';
import { createPlainTarget, type UpstreamTarget } from '../pool/upstream-target.js';
import type { HeadLimits } from './codec/index.js';
import type { TraceparentSource } from './engine-types.js';

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
    readonly tracing: TraceparentSource,
    readonly closeGraceMs: number,
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

  /** Closes sessions idle for longer than `idleMs` (between requests, or stuck in a partial head). */
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
