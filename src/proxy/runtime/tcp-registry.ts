/**
 * Open inbound TCP connections with the attributes they were authorized on, so that a new snapshot can
 * judge them again: a connection the new policy denies is closed (a client holding one connection to a
 * database must not keep its access after the policy changes).
 */
import type { AuthzAttributes, InboundAuthorizer } from './inbound-authorizer.js';

export interface TrackedTcp {
  readonly attrs: AuthzAttributes;
  /** Closes the connection (both sides). */
  close(reason: string): void;
}

export interface TcpRegistry {
  add(conn: TrackedTcp): () => void;
  /** Re-evaluates every open connection; returns how many were closed. */
  reevaluate(authorizer: InboundAuthorizer, portKnown: (port: number) => boolean): number;
  size(): number;
  closeAll(reason: string): void;
}

export function createTcpRegistry(): TcpRegistry {
  const open = new Set<TrackedTcp>();
  return {
    add(conn) {
      open.add(conn);
      return () => void open.delete(conn);
    },
    reevaluate(authorizer, portKnown) {
      let closed = 0;
      for (const c of [...open]) {
        if (!portKnown(c.attrs.destinationPort) || !authorizer.authorize(c.attrs).allowed) {
          open.delete(c);
          c.close('policy');
          closed++;
        }
      }
      return closed;
    },
    size: () => open.size,
    closeAll(reason) {
      for (const c of [...open]) c.close(reason);
      open.clear();
    },
  };
}
