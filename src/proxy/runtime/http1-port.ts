/**
 * What the shell needs from the HTTP/1.1 engine (`src/proxy/http1/`, see ENGINE-API): the shell owns
 * listeners, detection, TLS and ALPN; the engine owns HTTP/1.1 on the sockets it is handed.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { InboundAuthorizer } from './inbound-authorizer.js';
import type { OutboundServiceRuntime } from './generation.js';

export interface InboundConnection {
  /** SPIFFE ID proved by TLS; undefined = unauthenticated (plaintext in PERMISSIVE mode). */
  readonly peerIdentity: string | undefined;
  readonly peerAddress: string;
  /** The application port this connection is meant for. */
  readonly destinationPort: number;
  readonly appAddress: string;
  readonly appPort: number;
  /** The authorizer in force now: read per request so policy changes reach kept-alive connections. */
  readonly authorizer: () => InboundAuthorizer;
}

export interface Http1EnginePort {
  serveOutbound(client: Socket, initial: Buffer, service: OutboundServiceRuntime): void;
  serveInbound(peer: Socket | TLSSocket, initial: Buffer, conn: InboundConnection): void;
  drain(deadlineMs: number): Promise<void>;
}
