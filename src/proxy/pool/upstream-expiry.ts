/**
 * A pooled mTLS connection to a peer proxy must not outlive either certificate that authenticated it
 * (the peer reads our identity once per connection). Just ahead of the deadline the connection is
 * retired: closed now when idle, closed on release when leased, so the next request dials a new
 * connection (whose handshake fails once a certificate has expired: a 503 with the TLS reason). At the
 * deadline it is closed in any case. A connection whose deadline has already passed when it is
 * established (our own certificate expired) is refused as a TLS failure. One timer per connection, armed once; nothing per request.
 */
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../../core/clock.js';
import { CLIENT_RETIRE_BEFORE_MS, armConnectionExpiry, meshConnectionDeadline } from '../tls/connection-expiry.js';
import type { MuxSession } from '../mux/index.js';
import type { UpstreamConnection } from './upstream-connection.js';

/**
 * The deadline of a new mTLS upstream connection (see `meshConnectionDeadline`); `resumedNotAfter`:
 * the server certificate's expiry stored with a resumed session (the certificate is not shown then).
 */
export function upstreamDeadline(socket: TLSSocket, resumedNotAfter: number | undefined): number | undefined {
  return meshConnectionDeadline(socket, socket.isSessionReused() ? resumedNotAfter : undefined);
}

/** Retires `conn` just ahead of `deadline` and closes it at the deadline. */
export function armUpstreamExpiry(conn: UpstreamConnection, socket: TLSSocket, deadline: number | undefined, clock: Clock): void {
  armConnectionExpiry(socket, deadline, clock, {
    retireBeforeMs: CLIENT_RETIRE_BEFORE_MS,
    onRetire: () => {
      if (conn.leased) conn.retired = true;
      else conn.destroy();
    },
    onExpire: () => conn.destroy(),
  });
}

/** The same for a mux connection: no new streams just ahead of `deadline`, closed at it. */
export function armMuxExpiry(session: MuxSession, socket: TLSSocket, deadline: number | undefined, clock: Clock): void {
  armConnectionExpiry(socket, deadline, clock, {
    retireBeforeMs: CLIENT_RETIRE_BEFORE_MS,
    onRetire: () => session.retire(),
    onExpire: () => session.destroy(),
  });
}
