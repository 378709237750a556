import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, constants, createServer, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { test } from 'node:test';
import { forwardStream, forwardableHeaders, grpcMessage, isGrpc, localAnswer, respondLocally, type ForwardOutcome } from './h2-forward.js';

test('grpc-message percent-encodes only %, controls and non-ASCII', () => {
  assert.equal(grpcMessage('RBAC: access denied by policy ns/p'), 'RBAC: access denied by policy ns/p');
  assert.equal(grpcMessage('100% é\n'), '100%25 %C3%A9%0A');
});

test('identity headers from the caller are dropped, extras added; gRPC is told by content type', () => {
  const out = forwardableHeaders({ ':path': '/x', 'x-forwarded-client-cert': 'forged', 'x-weft-peer': 'forged', 'x-other': 'kept' }, { 'x-forwarded-client-cert': 'By=a;URI=b' });
  assert.deepEqual(out, { ':path': '/x', 'x-other': 'kept', 'x-forwarded-client-cert': 'By=a;URI=b' });
  assert.equal(isGrpc({ 'content-type': 'application/grpc+proto' }), true);
  assert.equal(isGrpc({ 'content-type': 'application/json' }), false);
  assert.equal(isGrpc({}), false);
});

// ---- forwardStream with real in-process HTTP/2 sessions: client → front (forwardStream) → app ----

interface Harness {
  readonly client: ClientHttp2Session;
  readonly outcomes: ForwardOutcome[];
  readonly upstreamErrors: Error[];
  /** The first outcome (bounded wait). */
  outcome(): Promise<ForwardOutcome>;
  close(): Promise<void>;
}

/** `app` handles the application's streams; `appPort` overrides where the front forwards (e.g. a closed port). */
async function startHarness(app: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void, appPort?: number): Promise<Harness> {
  const appServer = createServer();
  appServer.on('stream', (s, h) => {
    s.on('error', () => undefined);
    app(s, h);
  });
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  const port = appPort ?? (appServer.address() as AddressInfo).port;
  const appSession = connect(`http://127.0.0.1:${port}`);
  appSession.on('error', () => undefined);
  const outcomes: ForwardOutcome[] = [];
  const upstreamErrors: Error[] = [];
  let settle: (o: ForwardOutcome) => void = () => undefined;
  const first = new Promise<ForwardOutcome>((resolve) => (settle = resolve));
  const front = createServer();
  front.on('stream', (down, headers) => {
    down.on('error', () => undefined);
    forwardStream(down, forwardableHeaders(headers, undefined), appSession, (e) => {
      upstreamErrors.push(e);
      respondLocally(down, localAnswer(false, 'WEFT_PROXY_UPSTREAM_CONNECT'), `upstream connect error: ${e.message}`);
    }, (o) => {
      outcomes.push(o);
      settle(o);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const client = connect(`http://127.0.0.1:${(front.address() as AddressInfo).port}`);
  client.on('error', () => undefined);
  return {
    client, outcomes, upstreamErrors,
    outcome: () => within(first, 'the forward outcome'),
    async close() {
      client.destroy();
      appSession.destroy();
      await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => appServer.close(r))]);
    },
  };
}

function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Reads a client stream to its close: status, body length, trailers, rst code. */
function readAll(req: ClientHttp2Stream, onBytes?: (total: number) => void): Promise<{ status: number; length: number; trailers: IncomingHttpHeaders | undefined; rstCode: number | undefined }> {
  return within(new Promise((resolve) => {
    let status = 0;
    let length = 0;
    let trailers: IncomingHttpHeaders | undefined;
    req.on('error', () => undefined);
    req.on('response', (h) => void (status = Number(h[':status'])));
    req.on('trailers', (t) => void (trailers = t));
    req.on('data', (c: Buffer) => {
      length += c.length;
      onBytes?.(length);
    });
    req.on('close', () => resolve({ status, length, trailers, rstCode: req.rstCode }));
  }), 'the client stream to close');
}

function bodyOf(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * seed) & 0xff;
  return b;
}

test('forwardStream counts request and response DATA bytes, past the flow-control windows, and reports once', { timeout: 15_000 }, async () => {
  const up = bodyOf(3 << 20, 7);
  const down = bodyOf((5 << 20) + 123, 13);
  const h = await startHarness((s) => {
    const hash = createHash('sha256');
    let n = 0;
    s.on('data', (c: Buffer) => {
      n += c.length;
      hash.update(c);
    });
    s.on('end', () => {
      s.respond({ ':status': 200, 'x-got': `${n}:${hash.digest('hex')}` }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      s.end(down);
    });
  });
  try {
    const req = h.client.request({ ':method': 'POST', ':path': '/up' });
    let got = '';
    req.on('response', (hd) => void (got = String(hd['x-got'])));
    const hash = createHash('sha256');
    req.on('data', (c: Buffer) => hash.update(c));
    // Written in pieces, as a streaming client would.
    for (let i = 0; i < up.length; i += 100_000) req.write(up.subarray(i, i + 100_000));
    req.end();
    const r = await readAll(req);
    assert.equal(r.status, 200);
    assert.equal(r.length, down.length);
    assert.equal(hash.digest('hex'), createHash('sha256').update(down).digest('hex'));
    assert.equal(got, `${up.length}:${createHash('sha256').update(up).digest('hex')}`);
    assert.equal(r.trailers?.['grpc-status'], '0');
    const o = await h.outcome();
    assert.deepEqual({ ...o }, { status: 200, grpcStatus: 0, bytesIn: up.length, bytesOut: down.length, error: undefined });
  } finally {
    await h.close();
  }
  assert.equal(h.outcomes.length, 1);
});

test('forwardStream: a response sent with its headers in one go (DATA right behind HEADERS) is counted and delivered whole', { timeout: 10_000 }, async () => {
  const h = await startHarness((s) => {
    s.respond({ ':status': 201 });
    s.end('hello, world');
  });
  try {
    const req = h.client.request({ ':path': '/now' }, { endStream: true });
    const r = await readAll(req);
    assert.equal(r.status, 201);
    assert.equal(r.length, 12);
    const o = await h.outcome();
    assert.deepEqual({ ...o }, { status: 201, grpcStatus: -1, bytesIn: 0, bytesOut: 12, error: undefined });
  } finally {
    await h.close();
  }
  assert.equal(h.outcomes.length, 1);
});

test('forwardStream: an unreachable upstream is answered by onUpstreamError, and the outcome (status 0, error) comes once', { timeout: 10_000 }, async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const h = await startHarness(() => assert.fail('no stream may reach the app'), closed);
  try {
    const req = h.client.request({ ':method': 'POST', ':path': '/x' });
    req.end('abc');
    const r = await readAll(req);
    assert.equal(r.status, 503);
    const o = await h.outcome();
    assert.equal(o.status, 0);
    assert.equal(o.bytesOut, 0);
    assert.ok(o.error instanceof Error);
    assert.equal(h.upstreamErrors.length, 1);
  } finally {
    await h.close();
  }
  assert.equal(h.outcomes.length, 1);
});

/** One HTTP/2 frame: 9-byte header (length, type, flags, stream id) and payload. */
function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return Buffer.concat([h, payload]);
}

/**
 * A raw HTTP/2 (h2c) app that answers the first stream with `:status: 200` and `body` (no END_STREAM),
 * and sends RST_STREAM with `code` when told: Node's own server cannot reset without ending first.
 */
async function startResettingApp(body: Buffer, code: number): Promise<{ server: NetServer; port: number; reset(): void }> {
  let reset = (): void => undefined;
  const server = createNetServer((s) => {
    s.on('error', () => undefined);
    s.write(frame(4, 0, 0, Buffer.alloc(0))); // SETTINGS
    let buf = Buffer.alloc(0);
    let preface = true;
    let answered = false;
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (preface) {
        if (buf.length < 24) return;
        buf = buf.subarray(24);
        preface = false;
      }
      while (buf.length >= 9 && buf.length >= 9 + buf.readUIntBE(0, 3)) {
        const type = buf[3];
        const flags = buf[4] ?? 0;
        const id = buf.readUInt32BE(5) & 0x7fffffff;
        if (type === 4 && (flags & 1) === 0) s.write(frame(4, 1, 0, Buffer.alloc(0))); // SETTINGS ACK
        if (type === 1 && !answered) {
          answered = true;
          // HEADERS (END_HEADERS) with `:status: 200` (HPACK static index 8), then the body.
          s.write(Buffer.concat([frame(1, 4, id, Buffer.from([0x88])), frame(0, 0, id, body)]));
          const rst = Buffer.alloc(4);
          rst.writeUInt32BE(code);
          reset = () => void s.write(frame(3, 0, id, rst));
        }
        buf = buf.subarray(9 + buf.readUIntBE(0, 3));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, reset: () => reset() };
}

for (const [name, code] of [['INTERNAL_ERROR', constants.NGHTTP2_INTERNAL_ERROR], ['CANCEL', constants.NGHTTP2_CANCEL]] as const) {
  test(`forwardStream: the upstream resets mid-response (${name}): the reset is passed on, the outcome has the bytes so far and an error`, { timeout: 10_000 }, async () => {
    const app = await startResettingApp(Buffer.alloc(10_000, 1), code);
    const h = await startHarness(() => assert.fail('the raw app serves'), app.port);
    try {
      const req = h.client.request({ ':path': '/partial' }, { endStream: true });
      // The app resets once the client has all 10,000 bytes, so all of them were passed on first.
      const r = await readAll(req, (n) => {
        if (n === 10_000) app.reset();
      });
      assert.equal(r.status, 200);
      assert.equal(r.length, 10_000);
      assert.equal(r.rstCode, name === 'CANCEL' ? code : constants.NGHTTP2_INTERNAL_ERROR);
      const o = await h.outcome();
      assert.equal(o.status, 200);
      assert.equal(o.bytesIn, 0);
      assert.equal(o.bytesOut, 10_000);
      assert.ok(o.error instanceof Error, 'a reset from the upstream is an error');
      assert.equal(h.upstreamErrors.length, 0);
    } finally {
      await h.close();
      app.server.close();
    }
    assert.equal(h.outcomes.length, 1);
  });
}

test('forwardStream: the downstream cancels mid-request: the upstream stream is cancelled, the outcome has the request bytes read so far', { timeout: 10_000 }, async () => {
  let appRst: Promise<number | undefined> | undefined;
  let received: (() => void) | undefined;
  const appGotAll = new Promise<void>((resolve) => (received = resolve));
  const h = await startHarness((s) => {
    appRst = new Promise((resolve) => s.on('close', () => resolve(s.rstCode)));
    let n = 0;
    s.on('data', (c: Buffer) => {
      n += c.length;
      if (n === 5000) received?.();
    });
  });
  try {
    const req = h.client.request({ ':method': 'POST', ':path': '/cancelled' });
    const closed = readAll(req);
    req.write(Buffer.alloc(5000, 2));
    await within(appGotAll, 'the app to read 5,000 bytes');
    req.close(constants.NGHTTP2_CANCEL);
    await closed;
    const o = await h.outcome();
    assert.deepEqual({ ...o }, { status: 0, grpcStatus: -1, bytesIn: 5000, bytesOut: 0, error: undefined });
    assert.equal(await within(appRst ?? Promise.resolve(undefined), 'the app stream to close'), constants.NGHTTP2_CANCEL);
  } finally {
    await h.close();
  }
  assert.equal(h.outcomes.length, 1);
});
