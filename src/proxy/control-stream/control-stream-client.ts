/**
 * The proxy's subscription to the control plane's distributor: one HTTP/2 stream over mutual TLS
 * (the proxy's current certificate; the control plane's must carry its SPIFFE ID), JSON lines each
 * way (stream-protocol.ts). It sends `hello` with the workload registration, then `certificate`
 * (again after every rotation), applies each snapshot or patch through its target and answers
 * `ack`/`nack`. When the stream is lost the proxy keeps serving on the snapshot in force and
 * reconnects with capped exponential backoff and full jitter, saying `hello` again. `stop` says
 * `bye` first so the control plane deregisters the instance at once.
 */
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import { H2_NO_ERROR, loadHttp2 } from '../http2/lazy-http2.js';
import type { Log } from '../runtime/log.js';
import type { IdentityMaterial } from '../tls/identity-material.js';
import { createServerIdentityCheck, MESH_TLS_MIN_VERSION, type TlsCredentials } from '../tls/tls-credentials.js';
import { handleControlMessage, type PatchApplier, type SnapshotTarget } from './handle-control-message.js';
import { parseControlMessage } from './parse-control-message.js';
import { defaultReconnectBackoff, reconnectDelay, type ReconnectBackoff } from './reconnect-delay.js';
import { subscribePath, type ProxyMessage } from './stream-protocol.js';

export interface StreamTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ControlStreamOptions {
  /** The distributor, `https://HOST:PORT`. */
  readonly url: string;
  /** Sent in `hello` as is (the control plane validates it). */
  readonly registration: unknown;
  readonly credentials: TlsCredentials;
  /** The SPIFFE ID the control plane's certificate must carry. */
  readonly controlIdentity: string;
  readonly target: SnapshotTarget;
  readonly applyPatch?: PatchApplier;
  readonly log: Log;
  readonly clock: Clock;
  readonly random: Random;
  readonly timers: StreamTimers;
  readonly backoff?: Partial<ReconnectBackoff>;
  /** Handshake and response deadline; default 5 s. */
  readonly connectTimeoutMs?: number;
  /** How often the client PINGs the control plane; a PING unanswered by the next one ends the connection. Default 10 s. */
  readonly keepAliveMs?: number;
  /** Longest line accepted from the control plane; default 64 MiB (a snapshot is one line). */
  readonly maxLineBytes?: number;
  /** Called after each failed connection attempt or lost stream, with the reason. */
  readonly onDisconnected?: (reason: string) => void;
}

export type ControlStreamPhase = 'idle' | 'connecting' | 'connected' | 'waiting' | 'stopped';

/** The connection as `/stats` shows it. */
export interface ControlStreamState {
  readonly url: string;
  readonly phase: ControlStreamPhase;
  readonly connected: boolean;
  /** Connection attempts after the first (each loss or failure leads to one). */
  readonly reconnects: number;
  readonly lastError?: string;
  /** ISO time of the last error. */
  readonly lastErrorAt?: string;
  readonly connectedSince?: string;
  /** Milliseconds of the wait in progress before the next attempt. */
  readonly retryInMs?: number;
  readonly ackedVersion?: string;
  readonly lastNack?: { readonly version: string; readonly reason: string };
}

export interface ControlStreamClient {
  /** Connects (idempotent). */
  start(): void;
  state(): ControlStreamState;
  /** Sends `bye` when connected (if asked), ends the stream and stops reconnecting; bounded by 2 s. */
  stop(options?: { readonly bye?: boolean }): Promise<void>;
}

/** SHA-256 of the leaf's DER as lower-case hex (Node gives `AB:CD:…`). */
export function fingerprintHex(material: IdentityMaterial): string {
  return material.fingerprint.replaceAll(':', '').toLowerCase();
}

export function createControlStreamClient(o: ControlStreamOptions): ControlStreamClient {
  const keepAliveMs = o.keepAliveMs ?? 10_000;
  const backoff: ReconnectBackoff = { ...defaultReconnectBackoff, ...o.backoff };
  const { log, timers, clock } = o;
  const maxLine = o.maxLineBytes ?? 64 * 1024 * 1024;
  const checkServer = createServerIdentityCheck([o.controlIdentity]);
  let phase: ControlStreamPhase = 'idle';
  let session: ClientHttp2Session | undefined;
  let stream: ClientHttp2Stream | undefined;
  let connectedSince: number | undefined;
  let attempt = 0;
  let reconnects = 0;
  let lastError: string | undefined;
  let lastErrorAt: number | undefined;
  let retryTimer: unknown;
  let retryAt: number | undefined;
  let ackedVersion: string | undefined;
  let lastNack: { version: string; reason: string } | undefined;
  let work: Promise<void> = Promise.resolve();

  const send = (m: ProxyMessage): void => {
    if (stream !== undefined && !stream.closed && !stream.destroyed) stream.write(`${JSON.stringify(m)}\n`);
  };
  const sendCertificate = (m: IdentityMaterial): void => send({ type: 'certificate', spiffeId: m.spiffeId, notAfter: m.notAfter, fingerprint: fingerprintHex(m) });
  // Each new certificate is reported on the open stream (the stream itself keeps its handshake).
  o.credentials.onUpdate((m) => {
    if (phase === 'connected') sendCertificate(m);
  });

  const scheduleReconnect = (): void => {
    if (phase === 'stopped') return;
    attempt++;
    const delay = reconnectDelay(attempt, o.random, backoff);
    phase = 'waiting';
    retryAt = clock.now() + delay;
    log.info('control stream reconnecting', { delayMs: delay, attempt });
    retryTimer = timers.setTimeout(() => {
      retryTimer = undefined;
      retryAt = undefined;
      reconnects++;
      open();
    }, delay);
  };

  /** Ends this connection (once) and, unless stopping, schedules the next. */
  const lose = (s: ClientHttp2Session, reason: string): void => {
    if (session !== s) return;
    const wasConnected = phase === 'connected';
    session = undefined;
    stream = undefined;
    connectedSince = undefined;
    if (!s.destroyed) s.destroy();
    if (phase === 'stopped') return;
    lastError = reason;
    lastErrorAt = clock.now();
    if (wasConnected) log.warn('control stream lost; serving on the snapshot in force', { error: reason, version: o.target.current()?.version });
    else log.warn('control stream could not connect', { url: o.url, error: reason });
    o.onDisconnected?.(reason);
    scheduleReconnect();
  };

  const onLine = (line: string): void => {
    const parsed = parseControlMessage(line);
    if (!parsed.ok) {
      log.warn('control message refused', { error: parsed.error });
      return;
    }
    if (parsed.value.type === 'error') {
      // Recorded now: the close that follows must be explained by it, whatever the queue holds.
      lastError = `${parsed.value.code}: ${parsed.value.message}`;
      lastErrorAt = clock.now();
    }
    work = work.then(async () => {
      const outcome = await handleControlMessage(parsed.value, o.target, o.applyPatch);
      switch (outcome.kind) {
        case 'applied':
        case 'unchanged':
          ackedVersion = outcome.version;
          send(outcome.reply);
          log.info('control snapshot acked', { version: outcome.version, result: outcome.kind });
          return;
        case 'refused':
          lastNack = { version: outcome.version, reason: outcome.reason };
          send(outcome.reply);
          log.warn('control snapshot refused (nack); the one in force stays', { version: outcome.version, reason: outcome.reason, inForce: o.target.current()?.version });
          return;
        case 'error':
          log.error('the control plane ended the stream', { code: outcome.code, message: outcome.message });
          return;
      }
    }).catch((e: unknown) => {
      log.error('unexpected error applying a control message', { error: e instanceof Error ? e.stack : String(e) });
    });
  };

  const open = (): void => {
    if (phase === 'stopped') return;
    phase = 'connecting';
    const s = loadHttp2().connect(o.url, {
      secureContext: o.credentials.secureContext,
      minVersion: MESH_TLS_MIN_VERSION,
      checkServerIdentity: checkServer,
    });
    session = s;
    s.on('error', (e: Error) => lose(s, e.message));
    s.on('close', () => lose(s, lastErrorFor(s) ?? 'the connection closed'));
    s.on('goaway', () => undefined);
    // A control plane gone without a FIN (host down, cable cut) shows as a PING left unanswered: the
    // session's own inactivity timeout would not do, as PING frames (the control plane's keep-alive
    // included) do not count as activity there, so a quiet, healthy stream would be dropped.
    let pingPending = false;
    let pingTimer: unknown;
    const keepAlive = (): void => {
      pingTimer = timers.setTimeout(() => {
        if (s.destroyed || s.closed) return;
        if (pingPending) {
          lose(s, `no answer to a PING from the control plane within ${keepAliveMs} ms`);
          return;
        }
        pingPending = true;
        try {
          s.ping((error) => {
            if (error === null) pingPending = false;
          });
        } catch {
          // The session is closing: its 'close' handler takes over.
          return;
        }
        keepAlive();
      }, keepAliveMs);
    };
    keepAlive();
    s.once('close', () => timers.clearTimeout(pingTimer));
    const deadline = timers.setTimeout(() => lose(s, `no answer within ${o.connectTimeoutMs ?? 5000} ms`), o.connectTimeoutMs ?? 5000);
    const st = s.request({ ':method': 'POST', ':path': subscribePath, 'content-type': 'application/x-ndjson' }, { endStream: false });
    stream = st;
    st.on('error', (e: Error) => lose(s, e.message));
    st.on('close', () => lose(s, lastErrorFor(s) ?? 'the control plane closed the stream'));
    // The control plane ends its side after an `error` message (or when it stops): the stream is over
    // even though ours is still writable.
    st.on('end', () => lose(s, lastErrorFor(s) ?? 'the control plane ended the stream'));
    st.on('response', (headers) => {
      timers.clearTimeout(deadline);
      const status = Number(headers[':status']);
      if (status !== 200) {
        lose(s, `the distributor answered HTTP ${status}`);
        return;
      }
      phase = 'connected';
      attempt = 0;
      connectedSince = clock.now();
      log.info('control stream connected', { url: o.url, reconnects });
      sendCertificate(o.credentials.material);
    });
    s.once('close', () => timers.clearTimeout(deadline));
    let buffered = '';
    st.setEncoding('utf8');
    st.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() !== '') onLine(line);
        nl = buffered.indexOf('\n');
      }
      if (buffered.length > maxLine) lose(s, `a control message is longer than ${maxLine} bytes`);
    });
    // The control plane reads the registration before anything else on the stream.
    send({ type: 'hello', registration: o.registration });
  };

  // An 'error' message from the control plane explains the close that follows it.
  const lastErrorFor = (s: ClientHttp2Session): string | undefined => (session === s && lastErrorAt !== undefined && clock.now() - lastErrorAt < 1000 ? lastError : undefined);

  return {
    start() {
      if (phase !== 'idle') return;
      open();
    },
    state() {
      return {
        url: o.url,
        phase,
        connected: phase === 'connected',
        reconnects,
        ...(lastError !== undefined ? { lastError } : {}),
        ...(lastErrorAt !== undefined ? { lastErrorAt: new Date(lastErrorAt).toISOString() } : {}),
        ...(connectedSince !== undefined ? { connectedSince: new Date(connectedSince).toISOString() } : {}),
        ...(retryAt !== undefined ? { retryInMs: Math.max(0, retryAt - clock.now()) } : {}),
        ...(ackedVersion !== undefined ? { ackedVersion } : {}),
        ...(lastNack !== undefined ? { lastNack } : {}),
      };
    },
    async stop(options = {}) {
      const wasConnected = phase === 'connected';
      phase = 'stopped';
      if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
      retryTimer = undefined;
      retryAt = undefined;
      const s = session;
      const st = stream;
      if (s === undefined) return;
      if (wasConnected && options.bye === true && st !== undefined) {
        send({ type: 'bye' });
        log.info('control stream: bye sent');
      }
      await new Promise<void>((resolve) => {
        const t = timers.setTimeout(() => {
          s.destroy();
          resolve();
        }, 2000);
        s.once('close', () => {
          timers.clearTimeout(t);
          resolve();
        });
        // The bye is flushed before the stream is reset and the session closed (the control plane
        // does not end its side of the stream on bye).
        if (st !== undefined && !st.closed) {
          st.end(() => {
            st.close(H2_NO_ERROR);
            s.close();
          });
        } else s.close();
      });
      session = undefined;
      stream = undefined;
    },
  };
}
