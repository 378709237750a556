/**
 * The HTTP/1.1 engine end to end on loopback:
 * client → outbound engine ══ pooled mTLS ══► inbound engine → local node:http app.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { WebSocket } from 'ws';
import { allowAll, cleanupChainPki, CLIENT_ID, compilePolicies, SERVER_ID, startChain, TRANSPORTS, type Chain } from '../support/http1-chain.js';
import { httpRequest, RawClient } from '../support/raw-http.js';

interface EchoBody {
  method: string;
  url: string;
  length: number;
  sha256: string;
  headers: Record<string, string>;
  trailers: Record<string, string>;
  remotePort: number;
}

function echo(body: Buffer): EchoBody {
  return JSON.parse(body.toString('utf8')) as EchoBody;
}

function sha(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

after(async () => cleanupChainPki());
for (const transport of TRANSPORTS) {

  describe(`http1 chain over ${transport.name}: basics`, () => {
    let chain: Chain;
    before(async () => {
      chain = await startChain({ mux: transport.mux });
    });
    after(async () => chain.close());

    it('forwards GET and POST with Content-Length over mTLS, with identity headers', async () => {
      const get = await httpRequest(chain.outboundPort, { path: '/echo?x=1', headers: { 'x-forwarded-client-cert': 'forged', 'x-weft-peer': 'forged', 'X-Weft-Other': 'f' } });
      assert.equal(get.status, 200);
      const e = echo(get.body);
      assert.equal(e.method, 'GET');
      assert.equal(e.url, '/echo?x=1');
      assert.equal(e.headers['x-forwarded-client-cert'], `By=${SERVER_ID};URI=${CLIENT_ID}`);
      assert.equal(e.headers['x-weft-peer'], undefined);
      assert.equal(e.headers['x-weft-other'], undefined);
      assert.match(e.headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      assert.equal(get.headers['x-app'], 'yes');

      const body = Buffer.alloc(100_000, 7);
      const post = await httpRequest(chain.outboundPort, { method: 'POST', path: '/echo', body, headers: { 'content-length': String(body.length), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
      assert.equal(post.status, 200);
      const p = echo(post.body);
      assert.equal(p.length, body.length);
      assert.equal(p.sha256, sha(body));
      assert.equal(p.headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    });

    it('forwards a chunked upload with trailers verbatim, and a chunked response', async () => {
      const c = await RawClient.open(chain.outboundPort);
      c.write('POST /echo HTTP/1.1\r\nHost: server.b\r\nTransfer-Encoding: chunked\r\nTrailer: x-check\r\n\r\n');
      c.write('5;ext=1\r\nhello\r\n');
      c.write('6\r\n world\r\n0\r\nx-check: ok\r\n\r\n');
      await c.until(() => c.text().includes('"remotePort"'), 5_000, 'echo');
      const body = c.text().slice(c.text().indexOf('\r\n\r\n') + 4);
      const e = echo(Buffer.from(body));
      assert.equal(e.length, 11);
      assert.equal(e.sha256, sha('hello world'));
      assert.equal(e.trailers['x-check'], 'ok');
      c.destroy();

      const r = await httpRequest(chain.outboundPort, { path: '/chunked' });
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'part-0;part-1;part-2;part-3;part-4;');
      assert.equal(r.headers['transfer-encoding'], 'chunked');
    });

    it('keeps connections alive and answers pipelined requests in order', async () => {
      const c = await RawClient.open(chain.outboundPort);
      c.write(
        'GET /echo?n=1 HTTP/1.1\r\nHost: server.b\r\n\r\n' +
          'POST /echo?n=2 HTTP/1.1\r\nHost: server.b\r\nContent-Length: 3\r\n\r\nabc' +
          'GET /echo?n=3 HTTP/1.1\r\nHost: server.b\r\n\r\n',
      );
      await c.until(() => (c.text().match(/"url":"\/echo\?n=\d"/g) ?? []).length === 3, 5_000, 'three responses');
      const order = (c.text().match(/"url":"\/echo\?n=(\d)"/g) ?? []).join(',');
      assert.equal(order, '"url":"/echo?n=1","url":"/echo?n=2","url":"/echo?n=3"');
      assert.equal(c.closed, false);
      // The same connection still works.
      c.write('GET /echo?n=4 HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.text().includes('/echo?n=4'), 5_000, 'fourth');
      c.destroy();
    });

    it('reuses pooled connections between the proxies and to the app', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const before = chain.peerPool.stats();
      const appBefore = chain.appConnections();
      for (let i = 0; i < 20; i++) {
        const r = await httpRequest(chain.outboundPort, { path: `/echo?i=${i}`, agent });
        assert.equal(r.status, 200);
      }
      const after = chain.peerPool.stats();
      assert.ok(after.dials - before.dials <= 1, `dials grew by ${after.dials - before.dials}`);
      assert.ok(chain.appConnections() - appBefore <= 1, 'app connections reused');
      agent.destroy();
    });

    it('handles HEAD, 204 and 304 without bodies, keeping the connection usable', async () => {
      const c = await RawClient.open(chain.outboundPort);
      c.write('HEAD /echo HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.statusLines().length === 1);
      c.write('GET /status/204 HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.statusLines().length === 2);
      c.write('GET /status/304 HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.statusLines().length === 3);
      c.write('GET /echo?after HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.text().includes('/echo?after'), 5_000, 'request after bodiless responses');
      assert.deepEqual(c.statusLines().slice(0, 3), ['HTTP/1.1 200 OK', 'HTTP/1.1 204 No Content', 'HTTP/1.1 304 Not Modified']);
      c.destroy();
    });

    it('forwards 100-continue', async () => {
      const c = await RawClient.open(chain.outboundPort);
      c.write('POST /echo HTTP/1.1\r\nHost: server.b\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n');
      await c.until(() => c.text().startsWith('HTTP/1.1 100 Continue\r\n'), 5_000, '100 Continue');
      c.write('data');
      await c.until(() => c.text().includes('"length":4'), 5_000, 'final response');
      c.destroy();
    });

    it('honours Connection: close from the client without closing the pooled upstream', async () => {
      const dialsBefore = chain.peerPool.stats().dials;
      for (let i = 0; i < 3; i++) {
        const c = await RawClient.open(chain.outboundPort);
        c.write('GET /echo HTTP/1.1\r\nHost: server.b\r\nConnection: close\r\n\r\n');
        await c.until(() => c.closed, 5_000, 'close');
        assert.match(c.text(), /^HTTP\/1\.1 200 OK\r\n/);
        assert.match(c.text(), /\r\nconnection: close\r\n/i);
        assert.doesNotMatch(c.text(), /"connection":"close"/);
      }
      assert.ok(chain.peerPool.stats().dials - dialsBefore <= 1);
    });

    it('serves HTTP/1.0 clients, keeping the pooled upstream connections alive', async () => {
      const dialsBefore = chain.peerPool.stats().dials;
      const appBefore = chain.appConnections();
      for (let i = 0; i < 3; i++) {
        const c = await RawClient.open(chain.outboundPort);
        c.write(`GET /echo?v10=${i} HTTP/1.0\r\n\r\n`);
        await c.until(() => c.closed, 5_000, 'HTTP/1.0 response and close');
        assert.match(c.text(), /^HTTP\/1\.1 200 OK\r\n/);
        assert.match(c.text(), new RegExp(`"url":"/echo\\?v10=${i}"`));
      }
      const k = await RawClient.open(chain.outboundPort);
      k.write('GET /echo?k=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      await k.until(() => k.text().includes('/echo?k=1'));
      assert.match(k.text(), /\r\nconnection: keep-alive\r\n/i);
      k.write('GET /echo?k=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      await k.until(() => k.text().includes('/echo?k=2'));
      k.destroy();
      assert.ok(chain.peerPool.stats().dials - dialsBefore <= 1, 'peer connections reused');
      assert.ok(chain.appConnections() - appBefore <= 1, 'app connections reused');
    });

    it('works with curl as the client (GET, upload from stdin)', async () => {
      const out = await new Promise<string>((resolve, reject) => {
        execFile('curl', ['-sS', '-H', 'Host: server.b', `http://127.0.0.1:${chain.outboundPort}/echo?curl=1`], (err, stdout) => (err === null ? resolve(stdout) : reject(new Error(err.message))));
      });
      assert.equal(echo(Buffer.from(out)).url, '/echo?curl=1');
      const body = Buffer.alloc(3_000_000, 'z');
      const up = await new Promise<string>((resolve, reject) => {
        const child = execFile(
          'curl',
          ['-sS', '-H', 'Host: server.b', '-H', 'Transfer-Encoding: chunked', '--data-binary', '@-', `http://127.0.0.1:${chain.outboundPort}/echo`],
          { maxBuffer: 1 << 20 },
          (err, stdout) => (err === null ? resolve(stdout) : reject(new Error(err.message))),
        );
        child.stdin?.end(body);
      });
      const e = echo(Buffer.from(up));
      assert.equal(e.length, body.length);
      assert.equal(e.sha256, sha(body));
    });

    it('tunnels WebSocket through both proxies', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${chain.outboundPort}/ws`, { headers: { host: 'server.b' } });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const got: string[] = [];
      const done = new Promise<void>((resolve) => {
        ws.on('message', (m: Buffer) => {
          got.push(m.toString());
          if (got.length === 3) resolve();
        });
      });
      ws.send('one');
      ws.send('two');
      ws.send(Buffer.alloc(200_000, 'x').toString());
      await done;
      assert.deepEqual(got.slice(0, 2), ['one', 'two']);
      assert.equal(got[2]?.length, 200_000);
      ws.close();
      await new Promise<void>((resolve) => ws.once('close', () => resolve()));
    });

    it('records metrics and the access log per request', () => {
      const client = chain.clientMetrics.render();
      const server = chain.serverMetrics.render();
      assert.match(client, /weft_proxy_requests_total\{[^}]*direction="outbound"[^}]*response_code="200"[^}]*\} [1-9]/);
      assert.match(server, /weft_proxy_requests_total\{[^}]*direction="inbound"[^}]*source_principal="spiffe:\/\/cluster.local\/ns\/a\/sa\/client"[^}]*response_code="200"[^}]*\} [1-9]/);
      chain.flushLog();
      const lines = chain.accessLines.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      const line = lines.find((r) => r.path === '/echo' && r.method === 'POST');
      assert.ok(line !== undefined, 'an access-log line for POST /echo');
      assert.equal(line.direction, 'inbound');
      assert.equal(line.source_principal, CLIENT_ID);
      assert.equal(line.destination_workload, 'server');
      assert.equal(line.status, 200);
      assert.equal(line.authz, 'allowed');
      assert.equal(line.trace_id, '0af7651916cd43dd8448eb211c80319c');
      assert.ok((line.bytes_in as number) > 100_000);
    });
  });

  describe(`http1 chain over ${transport.name}: errors`, () => {
    let chain: Chain;
    before(async () => {
      chain = await startChain({ mux: transport.mux });
    });
    after(async () => chain.close());

    it('answers 502 when the app resets the connection', async () => {
      const r = await httpRequest(chain.outboundPort, { path: '/reset' });
      assert.equal(r.status, 502);
      assert.match(r.body.toString(), /upstream closed/);
      const ok = await httpRequest(chain.outboundPort, { path: '/echo' });
      assert.equal(ok.status, 200);
    });

    it('answers 400 to a malformed request, closes that connection only', async () => {
      const good = await RawClient.open(chain.outboundPort);
      good.write('GET /echo?g=1 HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await good.until(() => good.text().includes('/echo?g=1'));
      const bad = await RawClient.open(chain.outboundPort);
      bad.write('POST /echo HTTP/1.1\r\nHost: server.b\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n');
      await bad.until(() => bad.closed, 5_000, 'bad connection closed');
      assert.match(bad.text(), /^HTTP\/1\.1 400 /);
      good.write('GET /echo?g=2 HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await good.until(() => good.text().includes('/echo?g=2'));
      assert.equal(good.closed, false);
      good.destroy();
    });

    it('answers 431 to an oversized head', async () => {
      const c = await RawClient.open(chain.outboundPort);
      c.write(`GET /echo HTTP/1.1\r\nHost: server.b\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`);
      await c.until(() => c.closed, 5_000, 'closed');
      assert.match(c.text(), /^HTTP\/1\.1 431 /);
    });

    it('policy deny → 403 naming the policy; a policy swap applies to an open keep-alive connection', async () => {
      const c = await RawClient.open(chain.outboundPort);
      c.write('GET /echo?p=1 HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.text().includes('/echo?p=1'));
      chain.setAuthorizer(compilePolicies([{ name: 'deny-echo', namespace: 'b', spec: { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/echo'] } }] }] } }]));
      c.write('GET /echo?p=2 HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.text().includes('RBAC: access denied by policy b/deny-echo'), 5_000, '403');
      assert.equal(c.statusLines()[1], 'HTTP/1.1 403 Forbidden');
      assert.match(chain.serverMetrics.render(), /weft_proxy_authz_decisions_total\{[^}]*b\/deny-echo[^}]*\} 1/);
      assert.match(chain.serverMetrics.render(), /weft_proxy_requests_total\{[^}]*response_code="403"[^}]*authz_result="denied"\} 1/);
      chain.setAuthorizer(allowAll);
      c.write('GET /echo?p=3 HTTP/1.1\r\nHost: server.b\r\n\r\n');
      await c.until(() => c.text().includes('/echo?p=3'));
      assert.equal(c.closed, false);
      c.destroy();
    });

    it('a client aborting mid-body does not jam the pool', async () => {
      for (let i = 0; i < 20; i++) {
        const c = await RawClient.open(chain.outboundPort);
        c.write('POST /echo HTTP/1.1\r\nHost: server.b\r\nContent-Length: 1000000\r\n\r\n');
        c.write(Buffer.alloc(50_000, 1));
        await new Promise((r) => setTimeout(r, 5));
        c.destroy();
      }
      for (let i = 0; i < 5; i++) {
        const r = await httpRequest(chain.outboundPort, { path: '/echo' });
        assert.equal(r.status, 200);
      }
      const s = chain.peerPool.stats();
      assert.ok(s.leased <= 1, `leased ${s.leased}`);
    });
  });

  describe(`http1 chain over ${transport.name}: endpoints and identity`, () => {
    it('no endpoint → 503', async () => {
      const chain = await startChain({ mux: transport.mux, noEndpoints: true });
      try {
        const r = await httpRequest(chain.outboundPort, { path: '/echo' });
        assert.equal(r.status, 503);
        assert.match(r.body.toString(), /no ready endpoint for b\/server:80/);
      } finally {
        await chain.close();
      }
    });

    it('wrong server identity → 503 with the reason', async () => {
      const chain = await startChain({ mux: transport.mux, expectedIdentities: ['spiffe://cluster.local/ns/b/sa/other'] });
      try {
        const r = await httpRequest(chain.outboundPort, { path: '/echo' });
        assert.equal(r.status, 503);
        assert.match(r.body.toString(), /upstream identity mismatch: .*presented spiffe:\/\/cluster.local\/ns\/b\/sa\/server/);
      } finally {
        await chain.close();
      }
    });
  });

  describe(`http1 chain over ${transport.name}: backpressure`, () => {
    it('a client that stops reading stops the app (no unbounded buffering), then the download completes', async () => {
      let written = 0;
      const SIZE = 64 * 1024 * 1024;
      const chain = await startChain({
        mux: transport.mux,
        app: (_req, res) => {
          res.writeHead(200, { 'content-length': String(SIZE) });
          const block = Buffer.alloc(64 * 1024, 0x62);
          const pump = (): void => {
            while (written < SIZE) {
              written += block.length;
              if (!res.write(block)) {
                res.once('drain', pump);
                return;
              }
            }
            res.end();
          };
          pump();
        },
      });
      try {
        const c = await RawClient.open(chain.outboundPort);
        c.socket.pause();
        c.write('GET /big HTTP/1.1\r\nHost: server.b\r\n\r\n');
        // Wait until the app is blocked: `written` stops growing.
        let last = -1;
        for (let i = 0; i < 200 && written !== last; i++) {
          last = written;
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(written, last, 'the app is held by backpressure');
        assert.ok(written < 24 * 1024 * 1024, `only ${(written / 1048576).toFixed(1)} MiB of 64 MiB left the app while the client was not reading`);
        let got = 0;
        const done = new Promise<void>((resolve) => {
          c.socket.removeAllListeners('data');
          c.socket.on('data', (d: Buffer) => {
            got += d.length;
            if (got >= SIZE) resolve();
          });
        });
        c.socket.resume();
        await done;
        assert.ok(got >= SIZE);
        c.destroy();
      } finally {
        await chain.close();
      }
    });
  });

  describe(`http1 chain over ${transport.name}: large bodies stream with bounded memory`, () => {
    let chain: Chain;
    before(async () => {
      chain = await startChain({ mux: transport.mux });
    });
    after(async () => chain.close());

    const SIZE = 64 * 1024 * 1024;

    it('64 MiB upload', async () => {
      const block = Buffer.alloc(256 * 1024, 0x5a);
      const rssStart = process.memoryUsage().rss;
      let rssMax = rssStart;
      const sampler = setInterval(() => {
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
      }, 20);
      const hash = createHash('sha256');
      const res = await new Promise<Buffer>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: chain.outboundPort, method: 'POST', path: '/echo', headers: { host: 'server.b', 'content-length': String(SIZE) }, agent: false }, (r) => {
          const parts: Buffer[] = [];
          r.on('data', (c: Buffer) => parts.push(c));
          r.on('end', () => resolve(Buffer.concat(parts)));
        });
        req.on('error', reject);
        let sent = 0;
        const pump = (): void => {
          while (sent < SIZE) {
            sent += block.length;
            hash.update(block);
            if (!req.write(block)) {
              req.once('drain', pump);
              return;
            }
          }
          req.end();
        };
        pump();
      });
      clearInterval(sampler);
      const e = echo(res);
      assert.equal(e.length, SIZE);
      assert.equal(e.sha256, hash.digest('hex'));
      const growth = (rssMax - rssStart) / (1024 * 1024);
      assert.ok(growth < 40, `RSS grew by ${growth.toFixed(1)} MiB for a 64 MiB body`);
    });

    it('64 MiB download', async () => {
      const rssStart = process.memoryUsage().rss;
      let rssMax = rssStart;
      const sampler = setInterval(() => {
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
      }, 20);
      const n = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: chain.outboundPort, path: `/download/${SIZE}`, headers: { host: 'server.b' }, agent: false }, (r) => {
          let count = 0;
          r.on('data', (c: Buffer) => {
            count += c.length;
          });
          r.on('end', () => resolve(count));
        });
        req.on('error', reject);
        req.end();
      });
      clearInterval(sampler);
      assert.equal(n, SIZE);
      const growth = (rssMax - rssStart) / (1024 * 1024);
      assert.ok(growth < 40, `RSS grew by ${growth.toFixed(1)} MiB for a 64 MiB body`);
    });
  });
}
