/**
 * Clients that vanish at arbitrary points (mid-head, mid-body, waiting for the response, mid-response)
 * must leave no leased pooled connection and no session behind, and never disturb other clients.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createSeededRandom } from '../../src/core/random.js';
import { cleanupChainPki, startChain, TRANSPORTS } from '../support/http1-chain.js';
import { httpRequest, RawClient } from '../support/raw-http.js';

after(async () => cleanupChainPki());

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out: ${what}`);
}

for (const transport of TRANSPORTS) {
  describe(`http1 engine over ${transport.name}: abort storm`, () => {
    it('150 clients aborting at random points leak nothing', async () => {
      const chain = await startChain({ mux: transport.mux });
      const random = createSeededRandom(42);
      const requests = [
        'GET /echo HTTP/1.1\r\nHost: server.b\r\n\r\n',
        `POST /echo HTTP/1.1\r\nHost: server.b\r\nContent-Length: 200000\r\n\r\n${'a'.repeat(200_000)}`,
        `POST /echo HTTP/1.1\r\nHost: server.b\r\nTransfer-Encoding: chunked\r\n\r\n${`1000\r\n${'b'.repeat(4096)}\r\n`.repeat(8)}0\r\n\r\n`,
        'GET /download/3000000 HTTP/1.1\r\nHost: server.b\r\n\r\n',
        'GET /ws HTTP/1.1\r\nHost: server.b\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ];
      try {
        const batch: Array<Promise<void>> = [];
        for (let i = 0; i < 150; i++) {
          const text = requests[Math.floor(random.next() * requests.length)] as string;
          const cut = Math.floor(random.next() * text.length);
          const waitMs = Math.floor(random.next() * 20);
          batch.push(
            (async () => {
              const c = await RawClient.open(chain.outboundPort);
              c.write(text.slice(0, cut));
              if (random.next() < 0.5) c.write(text.slice(cut));
              await new Promise((r) => setTimeout(r, waitMs));
              c.destroy();
            })(),
          );
          if (batch.length >= 25) await Promise.all(batch.splice(0));
        }
        await Promise.all(batch);
        // Everything the aborted clients left behind winds down.
        await until(() => chain.clientEngine.connections() === 0, 'client-side sessions closed');
        await until(() => chain.peerPool.stats().leased === 0, 'no peer connection leased');
        await until(() => chain.serverEngine.connections() <= chain.peerPool.stats().idle, 'server-side sessions only for pooled connections');
        await until(() => chain.appPool.stats().leased === 0, 'no app connection leased');
        // And the chain still works.
        for (let i = 0; i < 5; i++) assert.equal((await httpRequest(chain.outboundPort, { path: '/echo' })).status, 200);
      } finally {
        await chain.close();
      }
    });
  });
}
