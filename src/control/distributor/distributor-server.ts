/**
 * The distributor's transport: HTTP/2 over mutual TLS (TLS 1.3 only, client certificates from the
 * mesh CA required). Why HTTP/2 with node:http2 and not gRPC: the snapshot is already a validated
 * JSON document that the proxy parses with its own parser, one bidirectional stream of JSON lines
 * needs no code generation or protobuf mapping of every resource kind, and h2 gives the same
 * multiplexing, flow control and PING keep-alive. One long-lived stream per proxy:
 * `POST /weft.distributor.v1/subscribe`, request body = the proxy's messages, response body = the
 * control plane's, one JSON object per line. The proxy's identity is the SPIFFE ID of its verified
 * certificate, read once per stream.
 */
import { constants, createSecureServer, type Http2SecureServer, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { peerSpiffeId } from '../../proxy/tls/peer-identity.js';
import type { Distributor, ProxyConnection } from './distributor.js';
import { createMessageEncoder } from './encode-message.js';
import { parseProxyMessage, subscribePath, type ControlMessage } from './stream-messages.js';
import { listenOn } from '../shared/listen.js';

export interface DistributorServerOptions {
  readonly distributor: Distributor;
  /** The control plane's serving certificate and key (PEM), and the mesh trust bundle clients are checked against. */
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
  /** Longest line a proxy may send; default 64 KiB. */
  readonly maxLineBytes?: number;
  /**
   * How often each connection is PINGed; a PING unanswered by the next one ends the connection, so a
   * proxy that vanished without a FIN stops counting as connected (and its lease lapses). Default 10 s.
   */
  readonly pingIntervalMs?: number;
}

export interface DistributorServer {
  readonly server: Http2SecureServer;
  listen(host: string, port: number): Promise<AddressInfo>;
  close(): Promise<void>;
}

export function createDistributorServer(options: DistributorServerOptions): DistributorServer {
  const { distributor } = options;
  const maxLine = options.maxLineBytes ?? 64 * 1024;
  const encoder = createMessageEncoder();
  const server = createSecureServer({
    key: options.keyPem,
    cert: options.certPem,
    ca: options.caPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    ALPNProtocols: ['h2'],
  });

  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    let awaitingPong = false;
    const pinger = setInterval(() => {
      // The session can be destroyed before its 'close' event clears this timer; ping() would throw.
      if (session.destroyed || session.closed) {
        clearInterval(pinger);
        return;
      }
      if (awaitingPong) {
        session.destroy();
        return;
      }
      awaitingPong = true;
      const sent = session.ping((error) => {
        if (error === null) awaitingPong = false;
      });
      if (!sent) session.destroy();
    }, options.pingIntervalMs ?? 10_000);
    pinger.unref();
    session.on('close', () => {
      clearInterval(pinger);
      sessions.delete(session);
    });
    session.on('error', () => undefined);
  });

  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    stream.on('error', () => undefined); // a peer that vanishes mid-write is normal here
    if (headers[constants.HTTP2_HEADER_PATH] !== subscribePath || headers[constants.HTTP2_HEADER_METHOD] !== 'POST') {
      stream.respond({ ':status': 404, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ error: { code: 'WEFT_CONTROL_NOT_FOUND', message: `subscribe with POST ${subscribePath}` } }));
      return;
    }
    const identity = peerSpiffeId(stream.session?.socket as TLSSocket);
    if (identity === undefined) {
      stream.respond({ ':status': 401, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ error: { code: 'WEFT_CONTROL_UNAUTHENTICATED', message: 'the client certificate carries no SPIFFE ID' } }));
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/x-ndjson' });
    const write = (message: ControlMessage): void => {
      if (stream.closed || stream.destroyed) return;
      // Corked: the chunks go out in one writev; a snapshot's shared outbound bytes are not copied.
      stream.cork();
      for (const chunk of encoder.encodeChunks(message)) stream.write(chunk);
      stream.uncork();
    };
    const connection: ProxyConnection = {
      send: write,
      close(code, message) {
        write({ type: 'error', code, message });
        if (!stream.closed) stream.end();
      },
    };
    const session = distributor.connect(identity, connection);
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() !== '') {
          const parsed = parseProxyMessage(line);
          if (!parsed.ok) {
            connection.close('WEFT_CONTROL_BAD_REQUEST', parsed.error);
            return;
          }
          session.receive(parsed.value);
        }
        newline = buffered.indexOf('\n');
      }
      if (buffered.length > maxLine) connection.close('WEFT_CONTROL_BAD_REQUEST', `a message is longer than ${maxLine} bytes`);
    });
    stream.on('close', () => session.closed());
  });

  return {
    server,
    listen: (host, port) => listenOn(server, host, port),
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        // Open sessions would keep close() waiting: end them (proxies reconnect with backoff).
        for (const s of sessions) s.destroy();
      });
    },
  };
}
