/**
 * The HTTP/1.1 proxy engine (prototype E4 of the performance note): raw sockets, Weft's own codec,
 * pooled keep-alive mTLS between proxies, pooled plaintext keep-alive to the local application.
 * The proxy shell owns listeners, TLS termination and protocol detection and hands each HTTP/1.1
 * connection to `serveOutbound` or `serveInbound`.
 */
import type { Socket } from 'node:net';
import type { Clock } from '../../core/clock.js';
import type { ConnectionPool } from '../pool/connection-pool.js';
import { defaultHeadLimits, type HeadLimits } from './codec/index.js';
import { EngineCore } from './engine-core.js';
import type { Random } from '../../core/random.js';
import { createCryptoRandomBytes, createTraceIds, randomBytesFromRandom, type TraceIds } from '../telemetry/index.js';
import type { ClientTransport, InboundConnection } from './engine-types.js';
import { Http1Session } from './http1-session.js';
import type { OutboundServiceRuntime } from './outbound-service-runtime.js';

export interface Http1Engine {
  /** An application's plaintext HTTP/1.1 connection toward `service`; `initial` = bytes already read. */
  serveOutbound(client: Socket, initial: Buffer, service: OutboundServiceRuntime): void;
  /** A peer proxy's connection (TLS, ALPN weft-http1) or a plaintext one (PERMISSIVE) to one app port. */
  serveInbound(peer: ClientTransport, initial: Buffer, conn: InboundConnection): void;
  /** Stop taking new requests; resolves when in-flight requests are done or the deadline passes
   * (then the remaining connections are destroyed). */
  drain(deadlineMs: number): Promise<void>;
  /** Open downstream connections (for /stats). */
  connections(): number;
  /** Downstream connections idle longer than this are closed (Http1EngineDeps.serverIdleTimeoutMs). */
  readonly idleTimeoutMs: number;
}

export interface Http1EngineDeps {
  readonly clock: Clock;
  /** Pooled mTLS connections to peer proxies (ALPN weft-http1, SecureContext from src/proxy/tls). */
  readonly peerPool: ConnectionPool;
  /** Pooled plaintext connections to the local application. */
  readonly appPool: ConnectionPool;
  /** This proxy's SPIFFE ID, for `x-forwarded-client-cert: By=...`. */
  readonly ownIdentity: string;
  readonly limits?: HeadLimits;
  /** W3C trace ids: a trace starts where a request has none. Default: from `random`, else crypto random bytes. */
  readonly traceIds?: TraceIds;
  readonly random?: Random;
  /** This workload (access-log lines of inbound requests). */
  readonly workload?: { readonly name: string; readonly namespace: string };
  /** Downstream connections idle (between requests, or in a partial head) longer than this are closed; default 60 s. */
  readonly serverIdleTimeoutMs?: number;
  /** Told of a bug caught in a connection's handler (that connection is closed); e.g. log it. */
  readonly onInternalError?: (error: unknown) => void;
  /** How long a closing connection may take to flush before it is destroyed; default 5 s. */
  readonly closeGraceMs?: number;
}

/** Idle timeout of downstream connections: above the client pools' 30 s so clients close first. */
export const defaultServerIdleTimeoutMs = 60_000;

export function createHttp1Engine(deps: Http1EngineDeps): Http1Engine {
  const core = new EngineCore(
    deps.clock,
    deps.peerPool,
    deps.appPool,
    deps.ownIdentity,
    deps.limits ?? defaultHeadLimits,
    deps.traceIds ?? createTraceIds(deps.random === undefined ? createCryptoRandomBytes() : randomBytesFromRandom(deps.random)),
    deps.closeGraceMs ?? 5_000,
    deps.workload?.name,
    deps.workload?.namespace,
    deps.onInternalError ?? ignoreError,
  );
  const idleMs = deps.serverIdleTimeoutMs ?? defaultServerIdleTimeoutMs;
  let sweeper: NodeJS.Timeout | undefined;
  const ensureSweeper = (): void => {
    if (sweeper !== undefined) return;
    sweeper = setInterval(() => {
      core.sweep(idleMs);
      if (core.sessions.size === 0 && sweeper !== undefined) {
        clearInterval(sweeper);
        sweeper = undefined;
      }
    }, Math.max(100, Math.floor(idleMs / 4)));
    sweeper.unref();
  };

  const open = (session: Http1Session, initial: Buffer): void => {
    core.sessionOpened(session);
    ensureSweeper();
    if (core.draining) session.closeWhenIdle();
    session.start(initial);
  };

  return {
    serveOutbound(client, initial, service) {
      open(new Http1Session(core, client, undefined, service), initial);
    },
    serveInbound(peer, initial, conn) {
      open(new Http1Session(core, peer, conn, undefined), initial);
    },
    async drain(deadlineMs) {
      core.draining = true;
      for (const s of core.sessions) s.closeWhenIdle();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadlineMs));
      });
      await Promise.race([core.whenEmpty(), deadline]);
      if (timer !== undefined) clearTimeout(timer);
      for (const s of core.sessions) s.destroy();
    },
    connections() {
      return core.sessions.size;
    },
    idleTimeoutMs: idleMs,
  };
}

function ignoreError(): void {}
