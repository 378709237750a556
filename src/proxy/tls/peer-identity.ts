/**
 * The identity a TLS peer proved: the SPIFFE ID in its verified certificate. Read once per
 * connection (the caller caches it on its connection object).
 */
import type { TLSSocket } from 'node:tls';
import { spiffeIdFromSubjectAltName } from './subject-alt-name.js';

/**
 * The peer's SPIFFE ID, or undefined when the peer is not authorized (chain not verified), sent no
 * certificate, or its certificate has no single valid SPIFFE ID.
 */
export function peerSpiffeId(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate(false);
  // An empty object means no certificate.
  return spiffeIdFromSubjectAltName((cert as { subjectaltname?: string }).subjectaltname);
}

/** Whether `peerId` is one of `expected` (the snapshot's identities for a service). */
export function isExpectedPeer(peerId: string | undefined, expected: readonly string[]): boolean {
  return peerId !== undefined && expected.includes(peerId);
}
