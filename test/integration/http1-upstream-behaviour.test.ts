/**
 * The HTTP/1.1 engine against byte-exact upstream behaviour (a raw TCP app behind the chain):
 * stale keep-alive connections, close-delimited responses, bytes after a response, drain, idle timeout.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { cleanupChainPki, startChain } from '../support/http1-chain.js';
import { httpRequest, RawClient } from '../support/raw-http.js';

after(async () => cleanupChainPki());

/** Calls `onRequest` once per complete request head seen on the socket (bodies are not expected). */
function onHeads(socket: Socket, onRequest: (n: number, head: string) => void): void {
  let buf = '';
  let n = 0;
  socket.on('data', (c: Buffer) => {
    buf += c.toString('latin1');
    for (let i = buf.indexOf('\r\n\r\n'); i >= 0; i = buf.indexOf('\r\n\r\n')) {
      const head = buf.slice(0, i);
      buf = buf.slice(i + 4);
      n++;
      onRequest(n, head);
    }
  });
}

function ok(body: string): string {
  return `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
}

describe('http1 engine: upstream behaviour', () => {
  it('forwards responses byte-exact when the app writes them in pieces and the client reads late', async () => {
    // The app side reads into one shared buffer (onread): every byte kept or queued behind a full
    // client connection must be a copy. Heads are split across reads, an interim response precedes
    // the final one, bodies come in odd pieces, and the client does not read until the app is done,
    // so the proxies' client writes queue up.
    const body = randomBytes(40 * 1024 * 1024 + 123);
    const chunked = randomBytes(700_001);
    let appWritten = 0;
    const pieces = (socket: Socket, parts: ReadonlyArray<string | Buffer>): void => {
      let i = 0;
      const next = (): void => {
        while (i < parts.length) {
          const p = parts[i++] as string | Buffer;
          appWritten += p.length;
          const more = socket.write(p);
          // Separate reads on the proxy for the small pieces; backpressure for the big ones.
          if (!more) return void socket.once('drain', next);
          if (typeof p === 'string') return void setTimeout(next, 2);
        }
      };
      next();
    };
    const slices = (b: Buffer, size: number): Buffer[] => {
      const out: Buffer[] = [];
      for (let o = 0; o < b.length; o += size) out.push(b.subarray(o, Math.min(b.length, o + size)));
      return out;
    };
    const chunkedParts = (): Array<string | Buffer> => {
      const out: Array<string | Buffer> = [];
      for (const part of slices(chunked, 9_973)) out.push(Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]));
      out.push('0\r\n\r\n');
      return out;
    };
    const chain = await startChain({
      rawApp: (socket) =>
        onHeads(socket, (n) => {
          if (n === 1) {
            pieces(socket, ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-', `length: ${body.length}\r\nx-a`, ': b\r\n\r\n', ...slices(body, 65_537)]);
          } else {
            pieces(socket, ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n', '\r\n', ...chunkedParts()]);
          }
        }),
    });
    try {
      const socket = connect({ port: chain.outboundPort, host: '127.0.0.1', noDelay: true });
      await once(socket, 'connect');
      socket.pause();
      socket.write('GET /one HTTP/1.1\r\nHost: server.b\r\n\r\nGET /two HTTP/1.1\r\nHost: server.b\r\n\r\n');
      // Until the app is held by backpressure: the bytes it wrote stop growing.
      let last = -1;
      for (let i = 0; i < 200 && (appWritten !== last || appWritten === 0); i++) {
        last = appWritten;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(appWritten < body.length, 'the app is held while the client is not reading');
      const expectedChunked = Buffer.concat(chunkedParts().map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
      const parts: Buffer[] = [];
      let total = 0;
      const tail = Buffer.from('0\r\n\r\n');
      const all = await new Promise<Buffer>((resolve, reject) => {
        socket.on('data', (d: Buffer) => {
          parts.push(d);
          total += d.length;
          if (total > body.length + expectedChunked.length && d.subarray(-tail.length).equals(tail)) resolve(Buffer.concat(parts));
        });
        socket.on('close', () => reject(new Error(`closed after ${total} bytes`)));
        socket.resume();
      });
      const text = all.subarray(0, 200).toString('latin1');
      assert.ok(text.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n'), text.slice(0, 80));
      const h1 = all.indexOf('\r\n\r\n', text.indexOf('HTTP/1.1 200')) + 4;
      const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
      assert.equal(sha(all.subarray(h1, h1 + body.length)), sha(body), 'content-length body');
      const rest = all.subarray(h1 + body.length);
      const h2 = rest.indexOf('\r\n\r\n') + 4;
      assert.match(rest.subarray(0, h2).toString('latin1'), /^HTTP\/1\.1 200 OK\r\ntransfer-encoding: chunked\r\n/i);
      assert.equal(sha(rest.subarray(h2)), sha(expectedChunked), 'chunked body, verbatim');
      socket.destroy();
    } finally {
      await chain.close();
    }
  });

  it('retries an idempotent request once on a fresh connection when a reused one was stale', async () => {
    const chain = await startChain({
      rawApp: (socket, index) =>
        onHeads(socket, (n) => {
          // The first app connection answers once, then dies on the next request (a stale keep-alive).
          if (index === 1 && n === 2) socket.destroy();
          else socket.write(ok(`c${index}r${n}`));
        }),
    });
    try {
      const c = await RawClient.open(chain.outboundPort);
      c.write('GET /a HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.text().includes('c1r1'));
      c.write('GET /b HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.text().includes('c2r1'), 5_000, 'the retried request on a fresh connection');
      assert.equal(chain.appConnections(), 2);
      assert.deepEqual(c.statusLines(), ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
      c.destroy();
    } finally {
      await chain.close();
    }
  });

  it('does not retry a POST: 502', async () => {
    const chain = await startChain({
      rawApp: (socket, index) =>
        onHeads(socket, (n) => {
          if (index === 1 && n === 2) socket.destroy();
          else socket.write(ok(`c${index}r${n}`));
        }),
    });
    try {
      const c = await RawClient.open(chain.outboundPort);
      c.write('GET /a HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.text().includes('c1r1'));
      c.write('POST /b HTTP/1.1\r\nHost: server.b\r\nContent-Length: 0\r\n\r\n');
      await c.until(() => c.statusLines().length === 2, 5_000, 'second response');
      assert.equal(c.statusLines()[1], 'HTTP/1.1 502 Bad Gateway');
      assert.equal(chain.appConnections(), 1);
      c.destroy();
    } finally {
      await chain.close();
    }
  });

  it('forwards a close-delimited response and closes the client connection after it', async () => {
    const chain = await startChain({
      rawApp: (socket) =>
        onHeads(socket, () => {
          socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil-the-end');
        }),
    });
    try {
      const c = await RawClient.open(chain.outboundPort);
      c.write('GET / HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.closed, 5_000, 'client connection closed');
      assert.match(c.text(), /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(c.text(), /\r\nconnection: close\r\n/i);
      assert.ok(c.text().endsWith('\r\n\r\nuntil-the-end'));
    } finally {
      await chain.close();
    }
  });

  it('never reuses an upstream connection that sent bytes after the end of a response', async () => {
    const chain = await startChain({
      rawApp: (socket, index) =>
        onHeads(socket, (n) => {
          socket.write(ok(`c${index}r${n}`) + (index === 1 ? 'GARBAGE' : ''));
        }),
    });
    try {
      const a = await httpRequest(chain.outboundPort, { path: '/1' });
      assert.equal(a.body.toString(), 'c1r1');
      const b = await httpRequest(chain.outboundPort, { path: '/2' });
      assert.equal(b.body.toString(), 'c2r1');
      assert.equal(chain.appConnections(), 2);
    } finally {
      await chain.close();
    }
  });

  it('answers 502 to a malformed upstream response', async () => {
    const chain = await startChain({
      rawApp: (socket) => onHeads(socket, () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\ntransfer-encoding: chunked\r\n\r\n')),
    });
    try {
      const r = await httpRequest(chain.outboundPort, { path: '/' });
      assert.equal(r.status, 502);
    } finally {
      await chain.close();
    }
  });

  it('drain: idle connections close now, a request in flight finishes with Connection: close', async () => {
    let hold: Socket | undefined;
    const chain = await startChain({
      rawApp: (socket) =>
        onHeads(socket, (_n, head) => {
          if (head.startsWith('GET /slow')) hold = socket;
          else socket.write(ok('fast'));
        }),
    });
    try {
      const idle = await RawClient.open(chain.outboundPort);
      idle.write('GET /fast HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await idle.until(() => idle.text().includes('fast'));
      const busy = await RawClient.open(chain.outboundPort);
      busy.write('GET /slow HTTP/1.1\r\nHost: server.b\r\n\r\n');
      const slowSeen = (): boolean => hold !== undefined;
      for (let i = 0; i < 500 && !slowSeen(); i++) await new Promise((r) => setTimeout(r, 5));
      assert.ok(slowSeen(), 'the app got the slow request');
      const drained = chain.clientEngine.drain(5_000);
      await idle.until(() => idle.closed, 5_000, 'idle connection closed by drain');
      assert.equal(busy.closed, false);
      hold?.write(ok('slow'));
      await busy.until(() => busy.closed, 5_000, 'busy connection closed after its response');
      assert.match(busy.text(), /\r\nconnection: close\r\n/i);
      assert.ok(busy.text().endsWith('slow'));
      await drained;
      assert.equal(chain.clientEngine.connections(), 0);
    } finally {
      await chain.close();
    }
  });

  it('closes downstream connections idle longer than the server idle timeout', async () => {
    const chain = await startChain({ serverIdleTimeoutMs: 200, rawApp: (socket) => onHeads(socket, () => socket.write(ok('x'))) });
    try {
      const c = await RawClient.open(chain.outboundPort);
      c.write('GET / HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.statusLines().length === 1);
      await c.until(() => c.closed, 3_000, 'idle close');
      // A head that never completes is closed the same way (slow-loris).
      const slow = await RawClient.open(chain.outboundPort);
      slow.write('GET / HTTP/1.1\r\nHost: ser');
      await slow.until(() => slow.closed, 3_000, 'partial head closed');
      assert.equal(slow.text(), '');
    } finally {
      await chain.close();
    }
  });
});
