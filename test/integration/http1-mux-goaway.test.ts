/**
 * GOAWAY between two proxies' engines over weft-mux: requests the server never read are refused, and
 * the client sends them again on a new connection, once each, whatever their method; the request in
 * flight on the old connection finishes there.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, describe, it } from 'node:test';
import { cleanupChainPki, startChain } from '../support/http1-chain.js';
import { httpRequest } from '../support/raw-http.js';
import { until } from '../support/pool-waiter.js';

after(async () => cleanupChainPki());

describe('http1 engines over weft-mux: GOAWAY', () => {
  it('streams the server never read fail as refused and are sent again on a new connection (POST too); the one in flight finishes', async () => {
    const seen = new Map<string, number>();
    const held: Array<() => void> = [];
    const app = (req: IncomingMessage, res: ServerResponse): void => {
      const key = `${req.method ?? ''} ${req.url ?? ''}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => void (body += c));
      req.on('end', () => {
        const answer = (): void => void res.end(JSON.stringify({ key, body }));
        if (req.url === '/hold') held.push(answer);
        else answer();
      });
    };
    const chain = await startChain({ mux: true, app });
    try {
      // A request in flight keeps the first stream leased: the next requests open new streams.
      const inFlight = httpRequest(chain.outboundPort, { path: '/hold' });
      await until(() => held.length === 1, 'the held request reached the app');
      const [first] = chain.serverMuxSessions();
      assert.ok(first !== undefined);
      // The server stops reading, so the next streams' frames wait unread in the socket; then it
      // says GOAWAY, naming the held stream as the last it took.
      first.socket.pause();
      const post = httpRequest(chain.outboundPort, { method: 'POST', path: '/create', body: 'item-1' });
      const get = httpRequest(chain.outboundPort, { path: '/read' });
      await until(() => chain.peerPool.stats().muxStreams === 3, 'two more streams opened on the connection');
      first.retire();

      const [p, g] = await Promise.all([post, get]);
      assert.equal(p.status, 200);
      assert.deepEqual(JSON.parse(p.body.toString()), { key: 'POST /create', body: 'item-1' });
      assert.equal(g.status, 200);
      assert.deepEqual(JSON.parse(g.body.toString()), { key: 'GET /read', body: '' });
      assert.equal(chain.serverMuxSessions().length, 2, 'sent again on a second connection');
      assert.equal(chain.peerPool.stats().muxDials, 2);

      // The held request finishes on the old connection, which then closes; the frames it had
      // not read are refused there, never served.
      first.socket.resume();
      held[0]?.();
      const h = await inFlight;
      assert.equal(h.status, 200);
      assert.deepEqual(JSON.parse(h.body.toString()), { key: 'GET /hold', body: '' });
      await until(() => first.closed, 'the retired connection closes after its last stream');
      assert.equal(seen.get('POST /create'), 1, 'the POST reached the app once');
      assert.equal(seen.get('GET /read'), 1);
    } finally {
      await chain.close();
    }
  });
});
