/** A `PoolWaiter` for pool tests: records the connection or the error, and resolves `done` on either. */
import type { WeftError } from '../../src/core/errors.js';
import type { PoolWaiter } from '../../src/proxy/pool/connection-pool.js';
import type { UpstreamConnection } from '../../src/proxy/pool/upstream-connection.js';

export class Waiter implements PoolWaiter {
  conn: UpstreamConnection | undefined;
  error: WeftError | undefined;
  readonly done: Promise<void>;
  private resolve!: () => void;
  constructor() {
    this.done = new Promise((r) => {
      this.resolve = r;
    });
  }
  onPoolConnection(conn: UpstreamConnection): void {
    this.conn = conn;
    this.resolve();
  }
  onPoolError(error: WeftError): void {
    this.error = error;
    this.resolve();
  }
}

/** Resolves when `cond` holds, polling every 5 ms, failing after 5 s. */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !cond(); waited += 5) {
    if (waited >= 5_000) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
