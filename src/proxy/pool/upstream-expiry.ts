/**
 * A pooled mTLS connection to a peer proxy must not outlive either certificate that authenticated it
 * (the peer reads our identity once per connection). Just ahead of the deadline the connection is
 * retired: closed now when idle, closed on release when leased, so the next request dials a new
 * connection (whose handshake fails once a certificate has expired: a 503 with the TLS reason). At the
 * deadline it is closed in any case. One timer per connection, armed once; nothing per request.
 */
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../../core/clock.js';
import { CLIENT_RETIRE_BEFORE_MS, armConnectionExpiry, meshConnectionDeadline } from '../tls/connection-expiry.js';
import type { UpstreamConnection } from './upstream-connection.js';

/** `resumedNotAfter`: the server certificate's expiry stored with a resumed session (not shown then). */
export function armUpstreamExpiry(conn: UpstreamConnection, socket: TLSSocket, resumedNotAfter: number | undefined, clock: Clock): void {
  armConnectionExpiry(socket, meshConnectionDeadline(socket, resumedNotAfter), clock, {
    retireBeforeMs: CLIENT_RETIRE_BEFORE_MS,
    onRetire: () => {
      if (conn.leased) conn.retired = true;
      else conn.destroy();
    },
    onExpire: () => conn.destroy(),
  });
}
