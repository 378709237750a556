/**
 * When a proxy renews its workload certificate (pure: time and randomness come in as values).
 * Renewal is due at two-thirds of the certificate's life, a little earlier by a random jitter so
 * that proxies started together do not renew together; a failed attempt is retried with capped
 * exponential backoff and jitter, but never so late that the certificate expires untried.
 */
import type { Random } from '../../core/random.js';

export interface RefreshTimingConfig {
  /** Fraction of the lifetime after which renewal is due; default 2/3. */
  readonly renewFraction: number;
  /** Renewal comes up to this fraction of the lifetime EARLIER, at random; default 0.05. */
  readonly jitterFraction: number;
  /** First retry delay (before jitter); default 1 s. */
  readonly retryBaseMs: number;
  /** Largest retry delay; default 60 s. */
  readonly retryMaxMs: number;
  /** Smallest delay between two attempts; default 100 ms. */
  readonly minDelayMs: number;
}

export const defaultRefreshTiming: RefreshTimingConfig = Object.freeze({ renewFraction: 2 / 3, jitterFraction: 0.05, retryBaseMs: 1000, retryMaxMs: 60_000, minDelayMs: 100 });

/** A certificate as the refresh decision sees it. */
export interface CertLife {
  /**
   * When the proxy got it (epoch ms). Not notBefore: the CA backdates notBefore for slow clocks,
   * which would otherwise shift renewal early by the backdate.
   */
  readonly receivedAt: number;
  readonly notAfter: number;
}

/** The epoch ms at which to renew `cert`: receivedAt + renewFraction × life − jitter (jitter in [0, jitterFraction × life)). */
export function renewalTime(cert: CertLife, random: Random, config: RefreshTimingConfig = defaultRefreshTiming): number {
  const life = cert.notAfter - cert.receivedAt;
  if (life <= 0) return cert.receivedAt;
  const jitter = random.next() * config.jitterFraction * life;
  return cert.receivedAt + life * config.renewFraction - jitter;
}

/**
 * How long to wait after the `failures`-th failed attempt in a row (1 for the first). Equal jitter:
 * a delay in [cap/2, cap) with cap = min(retryMaxMs, retryBaseMs × 2^(failures−1)). While a
 * certificate is still valid (`notAfter` given and in the future) the delay is at most half the
 * time left (and at least `minDelayMs`), so attempts get denser toward expiry and one always comes
 * before it.
 */
export function retryDelay(failures: number, now: number, notAfter: number | undefined, random: Random, config: RefreshTimingConfig = defaultRefreshTiming): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const cap = Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** exponent);
  let delay = cap / 2 + random.next() * (cap / 2);
  if (notAfter !== undefined && notAfter > now) delay = Math.min(delay, Math.max(config.minDelayMs, (notAfter - now) / 2));
  return Math.max(config.minDelayMs, Math.round(delay));
}

/** Delay from `now` until renewal of `cert` is due (0 when already due). */
export function delayUntilRenewal(cert: CertLife, now: number, random: Random, config: RefreshTimingConfig = defaultRefreshTiming): number {
  return Math.max(0, Math.round(renewalTime(cert, random, config) - now));
}
