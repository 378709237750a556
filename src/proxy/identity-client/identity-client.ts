/**
 * A proxy's workload identity from the control plane's CA: generate a key and CSR (the key never
 * leaves this process), request a certificate with the bootstrap token, hand the material to the
 * TLS credentials, and renew at two-thirds of its life (`src/policy/cert-refresh`), retrying with
 * backoff and jitter when the CA is away or refuses. The certificate in force stays until a new one
 * arrives, so connections never lack a certificate because of a renewal failure.
 */
import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import { weftError, type WeftError } from '../../core/errors.js';
import { defaultRefreshTiming, delayUntilRenewal, retryDelay, type RefreshTimingConfig } from '../../policy/cert-refresh/refresh-timing.js';
import { createWorkloadCsr } from '../tls/pkcs10-csr.js';
import { parseIdentityMaterial, type IdentityMaterial } from '../tls/identity-material.js';
import type { CertificateRequester } from './certificate-requester.js';

/** Timers are injected so tests can drive them. */
export interface IdentityTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface IdentityClientOptions {
  /** The SPIFFE ID this proxy asks for (the CA refuses any other than its token grants). */
  readonly spiffeId: string;
  readonly requester: CertificateRequester;
  readonly clock: Clock;
  readonly random: Random;
  readonly timers: IdentityTimers;
  readonly timing?: Partial<RefreshTimingConfig>;
  /**
   * Largest retry delay while no certificate is held yet (a proxy cannot serve without one, so it
   * retries within seconds); afterwards `timing.retryMaxMs` applies. Default: `timing.retryMaxMs`.
   */
  readonly firstRetryMaxMs?: number;
}

/** What `/ready` and `weft check` need to know. */
export interface IdentityClientState {
  /** A certificate is held and valid now. */
  readonly ready: boolean;
  readonly spiffeId: string;
  readonly notAfter?: number;
  readonly fingerprint?: string;
  /** Certificates received so far (the first one included). */
  readonly issued: number;
  /** Failed attempts in a row (0 after a success). */
  readonly failures: number;
  readonly lastError?: WeftError;
  /** When the next attempt is scheduled (epoch ms), if one is. */
  readonly nextAttemptAt?: number;
}

export interface IdentityClient {
  /** Starts the first request now (idempotent). */
  start(): void;
  /** Cancels the timer; an attempt in flight completes but schedules nothing. */
  stop(): void;
  /** The material in force, if any. */
  material(): IdentityMaterial | undefined;
  state(): IdentityClientState;
  /** True when a certificate is held and valid now. */
  isReady(): boolean;
  /** Resolves with the first material (at once if there is one). */
  whenReady(): Promise<IdentityMaterial>;
  /** Called with every new material (e.g. `credentials.update`); returns an unsubscribe function. */
  onMaterial(listener: (material: IdentityMaterial) => void): () => void;
  /** Called after each failed attempt with the error and the wait before the next; returns an unsubscribe function. */
  onFailure(listener: (error: WeftError, retryInMs: number) => void): () => void;
}

/** Creates the client (not started). */
export function createIdentityClient(options: IdentityClientOptions): IdentityClient {
  const timing: RefreshTimingConfig = { ...defaultRefreshTiming, ...options.timing };
  const { clock, random, timers } = options;
  const listeners = new Set<(m: IdentityMaterial) => void>();
  const failureListeners = new Set<(e: WeftError, retryInMs: number) => void>();
  const waiters: ((m: IdentityMaterial) => void)[] = [];
  let current: IdentityMaterial | undefined;
  let issued = 0;
  let failures = 0;
  let lastError: WeftError | undefined;
  let timer: unknown;
  let nextAttemptAt: number | undefined;
  let started = false;
  let stopped = false;
  let inFlight = false;

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    if (timer !== undefined) timers.clearTimeout(timer);
    nextAttemptAt = clock.now() + delayMs;
    timer = timers.setTimeout(() => {
      timer = undefined;
      nextAttemptAt = undefined;
      void attempt();
    }, delayMs);
  };

  const fail = (error: WeftError): void => {
    failures++;
    lastError = error;
    const config = current === undefined && options.firstRetryMaxMs !== undefined ? { ...timing, retryMaxMs: options.firstRetryMaxMs } : timing;
    const delay = retryDelay(failures, clock.now(), current?.notAfter, random, config);
    schedule(delay);
    for (const l of failureListeners) l(error, delay);
  };

  const attempt = async (): Promise<void> => {
    if (inFlight || stopped) return;
    inFlight = true;
    try {
      // A fresh key per certificate; it never leaves this process.
      const keyAndCsr = createWorkloadCsr(options.spiffeId);
      if (!keyAndCsr.ok) {
        fail(keyAndCsr.error);
        return;
      }
      const answer = await options.requester(keyAndCsr.value.csrPem);
      if (!answer.ok) {
        fail(answer.error);
        return;
      }
      const material = parseIdentityMaterial({ certPem: answer.value.certChainPem, keyPem: keyAndCsr.value.keyPem, caPem: answer.value.trustBundlePem }, clock);
      if (!material.ok) {
        fail(material.error);
        return;
      }
      if (material.value.spiffeId !== options.spiffeId) {
        fail(weftError('WEFT_TLS_MATERIAL_INVALID', `the CA issued ${material.value.spiffeId}, not ${options.spiffeId}`));
        return;
      }
      const receivedAt = clock.now();
      for (const l of listeners) {
        try {
          l(material.value);
        } catch (e) {
          // A consumer that cannot use the material (e.g. a context that fails to build) keeps the old one.
          fail(weftError('WEFT_TLS_MATERIAL_INVALID', `the new certificate could not be installed: ${e instanceof Error ? e.message : 'unknown error'}`));
          return;
        }
      }
      current = material.value;
      issued++;
      failures = 0;
      lastError = undefined;
      for (const w of waiters.splice(0)) w(material.value);
      if (!stopped) schedule(delayUntilRenewal({ receivedAt, notAfter: material.value.notAfter }, receivedAt, random, timing));
    } finally {
      inFlight = false;
    }
  };

  return {
    start() {
      if (started) return;
      started = true;
      void attempt();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      nextAttemptAt = undefined;
    },
    material: () => current,
    isReady: () => current !== undefined && clock.now() < current.notAfter,
    state() {
      return {
        ready: current !== undefined && clock.now() < current.notAfter,
        spiffeId: options.spiffeId,
        ...(current !== undefined ? { notAfter: current.notAfter, fingerprint: current.fingerprint } : {}),
        issued,
        failures,
        ...(lastError !== undefined ? { lastError } : {}),
        ...(nextAttemptAt !== undefined ? { nextAttemptAt } : {}),
      };
    },
    whenReady() {
      if (current !== undefined) return Promise.resolve(current);
      return new Promise((resolve) => waiters.push(resolve));
    },
    onMaterial(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    onFailure(listener) {
      failureListeners.add(listener);
      return () => {
        failureListeners.delete(listener);
      };
    },
  };
}
