/**
 * What the shell needs from the HTTP/1.1 engine (`src/proxy/http1/`, see ENGINE-API): the shell owns
 * listeners, detection, TLS and ALPN; the engine owns HTTP/1.1 on the sockets it is handed.
 */
import type { Socket } from 'node:net';
import type { ClientTransport, InboundConnection } from '../http1/engine-types.js';
import type { OutboundServiceRuntime as Http1ServiceRuntime } from '../http1/outbound-service-runtime.js';

export type { InboundConnection };

export interface Http1EnginePort {
  serveOutbound(client: Socket, initial: Buffer, service: Http1ServiceRuntime): void;
  serveInbound(peer: ClientTransport, initial: Buffer, conn: InboundConnection): void;
  drain(deadlineMs: number): Promise<void>;
  /** Downstream connections idle longer than this are closed. */
  readonly idleTimeoutMs: number;
}
