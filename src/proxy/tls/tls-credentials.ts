/**
 * Mutual-TLS credentials of a proxy: one `SecureContext` per certificate (built once per rotation
 * and shared by every client connection; each `tls.Server` builds its own from the same options,
 * once per rotation, because Node's server ignores a ready-made context), server and client options,
 * the SPIFFE check of the server's identity, client session resumption, and rotation that applies
 * to new connections only (open ones keep the context they were made with).
 */
import tls from 'node:tls';
import type { Clock } from '../../core/clock.js';
import { createSystemClock } from '../../core/system-clock.js';
import type { MtlsMode } from '../snapshot/proxy-snapshot.js';
import type { IdentityMaterial } from './identity-material.js';
import { meshConnectionDeadline } from './connection-expiry.js';
import { createSessionCache, type SessionCache } from './session-cache.js';
import { spiffeIdFromSubjectAltName } from './subject-alt-name.js';
import { classifyTlsError, tlsError, type TlsFailureReason } from './tls-errors.js';
import { isExpectedPeer, peerSpiffeId } from './peer-identity.js';

/** TLS 1.3 AEAD suites, strongest first. */
export const MESH_TLS_CIPHERS = 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256';
export const MESH_TLS_MIN_VERSION = 'TLSv1.3';
/** ALPN ids between Weft proxies (TEAM brief: agreed wire conventions). */
export const ALPN_HTTP1 = 'weft-http1';
export const ALPN_H2 = 'h2';
export const ALPN_TCP = 'weft-tcp';
export const MESH_ALPN: readonly string[] = Object.freeze([ALPN_HTTP1, ALPN_H2, ALPN_TCP]);

/** Who a client connection goes to and whom it accepts there. */
export interface PeerTarget {
  readonly host: string;
  readonly port: number;
  /** The SPIFFE IDs the server may present (from the snapshot); anything else fails with bad_identity. */
  readonly expectedIds: readonly string[];
  /** ALPN ids offered, in preference order; default `MESH_ALPN`. */
  readonly alpn?: readonly string[];
  /** SNI; default none (the server does not need it). */
  readonly servername?: string;
}

export interface TlsCredentials {
  readonly mode: MtlsMode;
  /** The material in force for new connections. */
  readonly material: IdentityMaterial;
  /** The context in force for new connections (rebuilt only by `update`). */
  readonly secureContext: tls.SecureContext;
  /**
   * Options for `tls.createServer`: the certificate, client certificates required and verified
   * (in PERMISSIVE mode too: plaintext is the listener's business, a TLS client must still prove
   * its identity), TLS 1.3 only, mesh ALPN. Use `attachServer` so rotations reach the server.
   */
  serverOptions(alpn?: readonly string[]): tls.TlsOptions;
  /** Keeps `server`'s context in step with `update` (via `setSecureContext`); returns a detach function. */
  attachServer(server: tls.Server, alpn?: readonly string[]): () => void;
  /**
   * A `tls.Server` for inbound mesh traffic, kept in step with `update`. Either `listen` on it
   * (STRICT port), or hand it sockets accepted elsewhere with `server.emit('connection', socket)`
   * (PERMISSIVE detection: `unshift` the bytes already read first; Node feeds them to TLS).
   * `onSecure` runs only for a verified client certificate carrying one valid SPIFFE ID; every
   * other outcome goes to `onFailure` with its reason, and the socket is destroyed.
   */
  createServer(handlers: MeshTlsServerHandlers): tls.Server;
  /**
   * Options for `tls.connect` to `peer`, with SPIFFE check and a cached session when there is one.
   * Only `connect` stores new sessions; a caller dialling with these options itself gets no reuse.
   */
  clientOptions(peer: PeerTarget): tls.ConnectionOptions;
  /** `tls.connect(clientOptions(peer))`, keeping the session tickets the server sends for reuse. */
  connect(peer: PeerTarget): tls.TLSSocket;
  /**
   * When a socket from `connect` must close: the first of its two certificates' expiries (see
   * `meshConnectionDeadline`). A resumed session shows no server certificate; its expiry is the one
   * stored with the session when it was first made.
   */
  connectionDeadline(socket: tls.TLSSocket): number | undefined;
  /** Installs new material for new connections; clears cached sessions; notifies listeners. */
  update(material: IdentityMaterial): void;
  /** Called after every `update`; returns an unsubscribe function. */
  onUpdate(listener: (material: IdentityMaterial) => void): () => void;
}

export interface MeshTlsServerHandlers {
  /** A verified peer: `peerId` is its SPIFFE ID, read once here (cache it on the connection). */
  readonly onSecure: (socket: tls.TLSSocket, peerId: string) => void;
  /** A refused or failed handshake, with its metrics reason. */
  readonly onFailure: (reason: TlsFailureReason, error: Error) => void;
  /** ALPN ids accepted, default `MESH_ALPN`. */
  readonly alpn?: readonly string[];
  /** Default 10 s. */
  readonly handshakeTimeoutMs?: number;
}

export interface TlsCredentialsOptions {
  /** Sessions kept for client resumption; default 256 peers. */
  readonly sessionCacheSize?: number;
  /** For the validity check of resumed sessions; default the system clock. */
  readonly clock?: Clock;
}

/** Builds credentials from checked material (see `parseIdentityMaterial`). */
export function createTlsCredentials(initial: IdentityMaterial, mode: MtlsMode, options: TlsCredentialsOptions = {}): TlsCredentials {
  let material = initial;
  let context = buildContext(initial);
  const sessions: SessionCache = createSessionCache(options.sessionCacheSize);
  const clock = options.clock ?? createSystemClock();
  const listeners = new Set<(m: IdentityMaterial) => void>();
  // One identity check per expected-ID list (the snapshot's arrays are stable across connections).
  const checks = new WeakMap<readonly string[], (host: string, cert: tls.PeerCertificate) => Error | undefined>();

  const checkFor = (expected: readonly string[]): ((host: string, cert: tls.PeerCertificate) => Error | undefined) => {
    let check = checks.get(expected);
    if (check === undefined) {
      check = createServerIdentityCheck(expected);
      checks.set(expected, check);
    }
    return check;
  };

  // The expiry stored with the session each `connect` offered (for `connectionDeadline` when it resumes).
  const offeredNotAfter = new WeakMap<tls.TLSSocket, number>();

  const sessionKey = (peer: PeerTarget): string => `${peer.host}|${peer.port}|${peer.expectedIds.join(',')}|${(peer.alpn ?? MESH_ALPN).join(',')}`;

  const serverOptions = (alpn: readonly string[] = MESH_ALPN): tls.TlsOptions => ({
    ...contextOptions(material),
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: [...alpn],
  });

  const clientOptions = (peer: PeerTarget): tls.ConnectionOptions => {
    const session = sessions.get(sessionKey(peer), clock.now());
    return {
      host: peer.host,
      port: peer.port,
      secureContext: context,
      minVersion: MESH_TLS_MIN_VERSION,
      rejectUnauthorized: true,
      ALPNProtocols: [...(peer.alpn ?? MESH_ALPN)],
      checkServerIdentity: checkFor(peer.expectedIds),
      ...(peer.servername === undefined ? {} : { servername: peer.servername }),
      ...(session === undefined ? {} : { session }),
    };
  };

  return {
    mode,
    get material() {
      return material;
    },
    get secureContext() {
      return context;
    },
    serverOptions,
    attachServer(server, alpn) {
      const apply = (): void => server.setSecureContext(serverOptions(alpn));
      const listener = (): void => apply();
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    createServer(handlers) {
      const server = tls.createServer({ ...serverOptions(handlers.alpn), handshakeTimeout: handlers.handshakeTimeoutMs ?? 10_000 }, (socket) => {
        const peerId = peerSpiffeId(socket);
        if (peerId === undefined) {
          socket.destroy();
          handlers.onFailure('bad_identity', tlsError('WEFT_TLS_PEER_IDENTITY', 'the client certificate carries no single valid SPIFFE ID'));
          return;
        }
        if (resumedWithStaleCert(socket, clock.now())) {
          socket.destroy();
          handlers.onFailure('expired', tlsError('WEFT_TLS_HANDSHAKE', 'a resumed session of a client whose certificate has expired'));
          return;
        }
        handlers.onSecure(socket, peerId);
      });
      server.on('tlsClientError', (error, socket) => {
        socket.destroy();
        handlers.onFailure(classifyTlsError(error, socket), error);
      });
      const onUpdate = (): void => server.setSecureContext(serverOptions(handlers.alpn));
      listeners.add(onUpdate);
      server.on('close', () => listeners.delete(onUpdate));
      return server;
    },
    clientOptions,
    connect(peer) {
      const madeWith = context;
      const ownNotAfter = material.notAfter;
      const socket = tls.connect(clientOptions(peer));
      const key = sessionKey(peer);
      // Resumed: the server certificate is not sent again, so its expiry comes from the session used.
      const resumedNotAfter = sessions.notAfterOf(key) ?? 0;
      offeredNotAfter.set(socket, resumedNotAfter);
      socket.on('session', (session: Buffer) => {
        // A ticket that arrives after a rotation belongs to the old certificate: resuming it would
        // present that certificate again (and be refused once it expires). Keep only current ones.
        if (madeWith !== context) return;
        // Only a session whose server identity was verified may be resumed later (resumption
        // skips checkServerIdentity); a ticket that races a failed check is dropped. It is not
        // resumed past either certificate's expiry (peers refuse a resumed expired certificate).
        if (socket.isSessionReused()) sessions.set(key, session, Math.min(resumedNotAfter, ownNotAfter));
        else if (isExpectedPeer(peerSpiffeId(socket), peer.expectedIds)) sessions.set(key, session, Math.min(certNotAfter(socket), ownNotAfter));
      });
      return socket;
    },
    connectionDeadline(socket) {
      return meshConnectionDeadline(socket, socket.isSessionReused() ? offeredNotAfter.get(socket) : undefined);
    },
    update(next) {
      const nextContext = buildContext(next);
      material = next;
      context = nextContext;
      sessions.clear();
      for (const l of listeners) l(next);
    },
    onUpdate(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/**
 * A `checkServerIdentity` that accepts only a certificate whose one SPIFFE ID is in `expected`
 * (hostnames are not used in the mesh). The Error has code `WEFT_TLS_PEER_IDENTITY`.
 */
export function createServerIdentityCheck(expected: Iterable<string>): (host: string, cert: tls.PeerCertificate) => Error | undefined {
  const allowed = new Set(expected);
  return (_host, cert) => {
    const id = spiffeIdFromSubjectAltName(cert.subjectaltname);
    if (id !== undefined && allowed.has(id)) return undefined;
    const got = id ?? `no valid SPIFFE ID (SAN: ${cert.subjectaltname ?? 'none'})`;
    return tlsError('WEFT_TLS_PEER_IDENTITY', `server identity ${got} is not one of the expected ${allowed.size === 0 ? '(none)' : [...allowed].join(', ')}`);
  };
}

/**
 * A resumed TLS session skips certificate verification: OpenSSL restores the verdict of the full
 * handshake, so a peer whose certificate has expired since (e.g. its bootstrap token was revoked
 * and it got no new one) would still be accepted until the ticket ages out. The server checks the
 * validity of the client certificate the session carries against the clock, on resumed sessions
 * only (full handshakes were just verified by OpenSSL). The client cannot (Node shows no server
 * certificate on a resumed session): it stores the expiry with the session and stops resuming then.
 */
/** The expiry of the peer's certificate in a full handshake (epoch ms); 0 when unknown (never resumed). */
function certNotAfter(socket: tls.TLSSocket): number {
  const validTo = (socket.getPeerCertificate(false) as { valid_to?: string }).valid_to;
  const t = validTo === undefined ? Number.NaN : Date.parse(validTo);
  return Number.isFinite(t) ? t : 0;
}

/** True for a resumed session whose client certificate is not valid at `now` (see above). */
export function resumedWithStaleCert(socket: tls.TLSSocket, now: number): boolean {
  if (!socket.isSessionReused()) return false;
  const cert = socket.getPeerCertificate(false) as { valid_from?: string; valid_to?: string };
  if (cert.valid_to === undefined || cert.valid_from === undefined) return true;
  return now >= Date.parse(cert.valid_to) || now < Date.parse(cert.valid_from);
}

function contextOptions(m: IdentityMaterial): tls.SecureContextOptions {
  return { key: m.keyPem, cert: m.certPem, ca: m.caPem, minVersion: MESH_TLS_MIN_VERSION, ciphers: MESH_TLS_CIPHERS };
}

function buildContext(m: IdentityMaterial): tls.SecureContext {
  return tls.createSecureContext(contextOptions(m));
}
