/**
 * Forwards one HTTP/2 stream (request and response, bodies, trailers, resets) from a server stream to a
 * client session, with backpressure both ways. Shared by the outbound path (app → peer proxy) and the
 * inbound path (peer proxy → app).
 */
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { ErrorCode } from '../../core/errors.js';
import { wireStatusOf } from '../../core/status-map.js';
import { H2_CANCEL, H2_FLAG_END_STREAM, H2_INTERNAL_ERROR, H2_NO_ERROR } from './lazy-http2.js';

const XFCC = 'x-forwarded-client-cert';

export function isGrpc(headers: IncomingHttpHeaders): boolean {
  const ct = headers['content-type'];
  return typeof ct === 'string' && ct.startsWith('application/grpc');
}

/**
 * The request headers to send on: identity headers from the caller (`x-forwarded-client-cert`,
 * `x-weft-*`) are dropped (the only identity trusted is the one TLS proved), `extra` is added.
 */
export function forwardableHeaders(headers: IncomingHttpHeaders, extra: OutgoingHttpHeaders | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    if (name === XFCC || name.startsWith('x-weft-')) continue;
    out[name] = headers[name];
  }
  if (extra !== undefined) Object.assign(out, extra);
  return out;
}

/** gRPC's percent-encoding of `grpc-message`: only '%' and bytes outside printable ASCII are encoded. */
export function grpcMessage(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    out += b < 0x20 || b > 0x7e || b === 0x25 ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}

/** What a stream answered by the proxy itself carries for an error code (see `localAnswer`). */
export interface LocalAnswer {
  readonly grpc: boolean;
  /** The `:status` sent: the code's HTTP status, or 200 for gRPC (trailers-only form). */
  readonly status: number;
  /** The `grpc-status` sent, -1 for plain HTTP/2. */
  readonly grpcStatus: number;
  /** The code's HTTP status, for gRPC too: the class the streams counter counts. */
  readonly httpStatus: number;
}

/** The answer for `code` (its HTTP and gRPC status from the one status map), in gRPC's form or plain HTTP's. */
export function localAnswer(grpc: boolean, code: ErrorCode): LocalAnswer {
  const st = wireStatusOf(code);
  return grpc ? { grpc, status: 200, grpcStatus: st.grpc, httpStatus: st.http } : { grpc, status: st.http, grpcStatus: -1, httpStatus: st.http };
}

/**
 * Answers a stream locally (denial, no upstream): HTTP status with a short body, or gRPC status in
 * trailers-only form. Returns the body bytes sent (0 for gRPC, or when the stream could not be answered).
 */
export function respondLocally(stream: ServerHttp2Stream, answer: LocalAnswer, message: string): number {
  if (stream.destroyed || stream.closed) return 0;
  if (stream.headersSent) {
    stream.close(H2_INTERNAL_ERROR);
    return 0;
  }
  if (answer.grpc) {
    stream.respond({ ':status': answer.status, 'content-type': 'application/grpc', 'grpc-status': String(answer.grpcStatus), 'grpc-message': grpcMessage(message) }, { endStream: true });
    return 0;
  }
  const body = `${message}\n`;
  stream.respond({ ':status': answer.status, 'content-type': 'text/plain; charset=utf-8' });
  stream.end(body);
  return Buffer.byteLength(body);
}

export interface ForwardOutcome {
  /** The response status, or 0 if none was forwarded. */
  readonly status: number;
  /** `grpc-status` from the trailers (or a trailers-only response), -1 when there was none. */
  readonly grpcStatus: number;
  /** Request body (DATA) bytes read from the downstream stream; what was read before a failure or reset. */
  readonly bytesIn: number;
  /** Response body (DATA) bytes passed to the downstream stream; local answers are the caller's to add. */
  readonly bytesOut: number;
  /** Set when the upstream failed (the stream could not be opened, an error, or a reset it sent). */
  readonly error: Error | undefined;
}

/**
 * Sends `headers` on `session` and pipes the stream's body up and the response (headers, body, trailers)
 * back. `onUpstreamError` answers the stream when the upstream fails before any response header; it is
 * called before `onDone`. `onDone` is called exactly once, when the upstream stream is over (ended,
 * failed, reset, or cancelled because the downstream went away), with the body bytes counted both ways.
 */
export function forwardStream(
  down: ServerHttp2Stream,
  headers: OutgoingHttpHeaders,
  session: ClientHttp2Session,
  onUpstreamError: (e: Error) => void,
  onDone: (outcome: ForwardOutcome) => void,
): void {
  let up: ClientHttp2Stream;
  try {
    up = session.request(headers, { endStream: down.readableEnded && down.readableLength === 0 });
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    onUpstreamError(error);
    onDone({ status: 0, grpcStatus: -1, bytesIn: 0, bytesOut: 0, error });
    return;
  }
  let status = 0;
  let grpcStatus = -1;
  let bytesIn = 0;
  let bytesOut = 0;
  let trailers: IncomingHttpHeaders | undefined;
  let finished = false;
  const done = (error: Error | undefined): void => {
    if (finished) return;
    finished = true;
    onDone({ status, grpcStatus, bytesIn, bytesOut, error });
  };
  up.on('response', (h, flags) => {
    status = Number(h[':status']);
    const gs = h['grpc-status'];
    if (typeof gs === 'string') grpcStatus = Number(gs);
    if (down.destroyed || down.closed) {
      up.close(H2_CANCEL);
      return;
    }
    const endStream = (flags & H2_FLAG_END_STREAM) !== 0;
    try {
      down.respond(h, { endStream, waitForTrailers: !endStream });
    } catch (e) {
      up.close(H2_INTERNAL_ERROR);
      down.close(H2_INTERNAL_ERROR);
      done(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    // Body listeners only now: DATA that arrived before the headers waits in `up`'s buffer (pitfall §5.3).
    // The counter is attached with the pipe, never before it: a 'data' listener starts the flow.
    if (!endStream) {
      up.pipe(down);
      up.on('data', (chunk: Buffer) => {
        bytesOut += chunk.length;
      });
    }
  });
  up.on('trailers', (t: IncomingHttpHeaders) => {
    trailers = t;
    const gs = t['grpc-status'];
    if (typeof gs === 'string') grpcStatus = Number(gs);
  });
  down.on('wantTrailers', () => {
    try {
      down.sendTrailers(trailers ?? {});
    } catch {
      down.close(H2_INTERNAL_ERROR);
    }
  });
  let failed = false;
  up.on('error', (e: Error) => {
    failed = true;
    if (status === 0) onUpstreamError(e);
    else if (!down.destroyed) down.close(H2_INTERNAL_ERROR);
    done(e);
  });
  up.on('close', () => {
    // A reset after the response started: pass the reset on instead of ending cleanly.
    // (Not after an 'error': that was answered already, and a second answer would reset the stream.)
    let reset: Error | undefined;
    if (!failed && up.rstCode !== undefined && up.rstCode !== H2_NO_ERROR && !down.destroyed && !down.closed) {
      reset = new Error(`upstream reset the stream (code ${up.rstCode})`);
      if (status === 0) onUpstreamError(reset);
      else down.close(up.rstCode);
    }
    done(reset);
  });
  down.on('close', () => {
    if (!up.closed && !up.destroyed && (down.rstCode ?? 0) !== H2_NO_ERROR) up.close(H2_CANCEL);
  });
  down.on('error', () => {
    if (!up.destroyed) up.close(H2_CANCEL);
  });
  down.pipe(up);
  // Counted alongside the pipe (which started the flow); pausing for backpressure stops both.
  down.on('data', (chunk: Buffer) => {
    bytesIn += chunk.length;
  });
}
