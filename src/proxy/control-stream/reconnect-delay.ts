/**
 * How long a proxy waits before reconnecting its control stream (pure: randomness comes in).
 * Exponential backoff with full jitter: a delay drawn uniformly in [minMs, cap) with
 * cap = min(maxMs, baseMs × 2^(attempt−1)), so a fleet that lost its control plane together does not
 * come back together, and the cap stays short (5 s) so a restarted control plane is rejoined quickly.
 */
import type { Random } from '../../core/random.js';

export interface ReconnectBackoff {
  /** The cap of the first attempt; default 200 ms. */
  readonly baseMs: number;
  /** The largest cap; default 5 s. */
  readonly maxMs: number;
  /** No attempt comes sooner than this after a loss; default 50 ms. */
  readonly minMs: number;
}

export const defaultReconnectBackoff: ReconnectBackoff = Object.freeze({ baseMs: 200, maxMs: 5000, minMs: 50 });

/** The wait before reconnect attempt number `attempt` (1 for the first after a loss). */
export function reconnectDelay(attempt: number, random: Random, config: ReconnectBackoff = defaultReconnectBackoff): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const cap = Math.max(config.minMs, Math.min(config.maxMs, config.baseMs * 2 ** exponent));
  return Math.round(config.minMs + random.next() * (cap - config.minMs));
}
