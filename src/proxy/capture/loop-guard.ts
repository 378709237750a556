/**
 * Loop guards for transparent capture (capture-feasibility P11). `SO_ORIGINAL_DST` succeeds on any
 * tracked connection, redirected or not; for one that was NOT redirected it returns the socket's
 * own local address, and a proxy that dialled that would connect to itself without end.
 */
import type { OriginalDst } from './original-dst.js';

/**
 * Outbound guard: true when the original destination is the listener's own address and port, i.e.
 * the connection reached 15001 directly instead of being redirected there. Refuse such connections.
 */
export function isSelfDestination(orig: OriginalDst, socket: { readonly localAddress?: string | undefined; readonly localPort?: number | undefined }): boolean {
  if (orig.port !== socket.localPort) return false;
  const local = socket.localAddress;
  return local !== undefined && unmapV4(local) === unmapV4(orig.address);
}

/**
 * Inbound guard: true when an inbound connection's original destination port is one of the proxy's
 * own ports (15001, 15006, admin...). Never deliver such a connection to 127.0.0.1:<port>.
 */
export function isProxyOwnPort(orig: OriginalDst, proxyPorts: ReadonlySet<number>): boolean {
  return proxyPorts.has(orig.port);
}

function unmapV4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
