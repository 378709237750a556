/**
 * Ends a mesh TLS connection when the first of its two certificates expires (see
 * `connection-deadline.ts`): both certificates are read once, when the connection is established, and
 * one unref'd timer per connection does the rest (no per-request work). The timer is cleared when the
 * socket closes.
 */
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../../core/clock.js';
import { connectionDeadline, planExpiry } from './connection-deadline.js';

/** How far ahead of the deadline a client stops using a connection (its peer closes hard at the deadline). */
export const CLIENT_RETIRE_BEFORE_MS = 1000;

export interface ExpiryHandlers {
  /** Client side: ahead of the deadline by this much, `onRetire` runs (default 0: no retire step). */
  readonly retireBeforeMs?: number;
  /** Stop new requests; close when idle. */
  readonly onRetire?: () => void;
  /** The deadline passed: end the connection now. */
  readonly onExpire: () => void;
}

/** A certificate's `valid_to` as epoch ms; NaN when absent or unreadable. */
function parseValidTo(cert: { valid_to?: string } | null | undefined): number {
  const v = cert?.valid_to;
  return v === undefined ? Number.NaN : Date.parse(v);
}

/**
 * The deadline of an established mesh connection: min(peer certificate notAfter, own certificate
 * notAfter). `peerNotAfterHint` replaces the peer's certificate when it is not shown (a client's
 * resumed session: the expiry stored with the session). Undefined when neither can be read.
 */
export function meshConnectionDeadline(socket: TLSSocket, peerNotAfterHint?: number): number | undefined {
  const peer = parseValidTo(socket.getPeerCertificate(false));
  const own = parseValidTo(socket.getCertificate());
  return connectionDeadline(Number.isFinite(peer) ? peer : (peerNotAfterHint ?? Number.NaN), own);
}

/**
 * Arms the expiry of `socket` at `deadline` (nothing when undefined or the socket is already gone).
 * Waits longer than `setTimeout` allows are re-armed; the timer never keeps the process alive.
 */
export function armConnectionExpiry(socket: TLSSocket, deadline: number | undefined, clock: Clock, handlers: ExpiryHandlers): void {
  if (deadline === undefined || socket.destroyed) return;
  const retireBeforeMs = handlers.retireBeforeMs ?? 0;
  let retired = false;
  let timer: NodeJS.Timeout | undefined;
  const cancel = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const step = (): void => {
    timer = undefined;
    if (socket.destroyed) return;
    const plan = planExpiry(clock.now(), deadline, retireBeforeMs, retired);
    if (plan.due === 'expire') {
      socket.off('close', cancel);
      handlers.onExpire();
      return;
    }
    if (plan.due === 'retire') {
      retired = true;
      handlers.onRetire?.();
      if (socket.destroyed) return;
    }
    timer = setTimeout(step, plan.delayMs);
    timer.unref();
  };
  socket.once('close', cancel);
  // The first look is never synchronous: the caller finishes setting the connection up first.
  const first = planExpiry(clock.now(), deadline, retireBeforeMs, false);
  timer = setTimeout(step, first.due === undefined ? first.delayMs : 0);
  timer.unref();
}

/**
 * An error (code `CERT_HAS_EXPIRED`, classified `expired`) when a connection's deadline has already
 * passed as it is established, else undefined. In TLS 1.3 the client's handshake completes before the
 * server has checked the client certificate, so a proxy whose own certificate expired (its token
 * revoked) would otherwise see a connection that the server then closes with no reason given.
 */
export function expiredAtConnect(deadline: number | undefined, now: number): (Error & { code: string }) | undefined {
  if (deadline === undefined || now < deadline) return undefined;
  const e = new Error(`certificate expired: this connection's certificates were valid until ${new Date(deadline).toISOString()}`) as Error & { code: string };
  e.code = 'CERT_HAS_EXPIRED';
  return e;
}
