/**
 * When a mesh connection must end. TLS checks certificates once, at the handshake; a keep-alive or
 * HTTP/2 connection can live far longer, so a peer whose certificate expired (its token revoked, no
 * renewal) would stay authorized on connections opened before. A mesh connection therefore ends when
 * the first of the two certificates that authenticated it expires. Pure: the caller reads the
 * certificates and owns the timer.
 */

/** The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days); longer waits are re-armed. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * The end of a connection's validity (epoch ms): the earlier of the two certificates' notAfter.
 * A value that could not be read (not finite) is ignored; undefined when neither is known.
 */
export function connectionDeadline(peerNotAfter: number, ownNotAfter: number): number | undefined {
  const peer = Number.isFinite(peerNotAfter);
  const own = Number.isFinite(ownNotAfter);
  if (peer && own) return Math.min(peerNotAfter, ownNotAfter);
  if (peer) return peerNotAfter;
  if (own) return ownNotAfter;
  return undefined;
}

/** What is due now, and how long to sleep before the next look (at most `MAX_TIMER_DELAY_MS`). */
export interface ExpiryPlan {
  /**
   * `retire`: stop starting new requests on the connection and close it once idle (the client side,
   * `retireBeforeMs` ahead of the deadline, so that the peer's hard close never hits a request);
   * `expire`: the deadline has passed, end the connection now; undefined: nothing yet.
   */
  readonly due: 'retire' | 'expire' | undefined;
  readonly delayMs: number;
}

/** The next step for a connection with `deadline` at `now`; `retired` says whether `retire` was done. */
export function planExpiry(now: number, deadline: number, retireBeforeMs: number, retired: boolean): ExpiryPlan {
  if (now >= deadline) return { due: 'expire', delayMs: 0 };
  const retireAt = deadline - Math.max(0, retireBeforeMs);
  if (!retired && retireBeforeMs > 0 && now >= retireAt) return { due: 'retire', delayMs: Math.min(deadline - now, MAX_TIMER_DELAY_MS) };
  const next = retired || retireBeforeMs <= 0 ? deadline : retireAt;
  return { due: undefined, delayMs: Math.min(next - now, MAX_TIMER_DELAY_MS) };
}
