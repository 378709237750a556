import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { joinTunnel, type TunnelTotals } from './tcp-tunnel.js';

/** A connected pair of real sockets on 127.0.0.1: [the side the test drives, the side handed to the tunnel]. */
async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [peer] = await accepted;
  server.close();
  return [client, peer];
}

test('bytes flow both ways, the counters see them, and the totals reach onClose', async () => {
  const [app, down] = await socketPair(); // app: the caller; down: its accepted connection
  const [up, upstream] = await socketPair(); // up: the dialled connection; upstream: the far end
  upstream.on('data', (d: Buffer) => upstream.write(Buffer.concat([d, d]))); // echo twice
  let received = 0;
  let sent = 0;
  const closed = new Promise<[Error | undefined, TunnelTotals]>((resolve) =>
    joinTunnel(down, up, Buffer.from('hi'), { addReceivedBytes: (n) => (received += n), addSentBytes: (n) => (sent += n) }, (e, t) => resolve([e, t])));
  let echoed = '';
  app.on('data', (d: Buffer) => (echoed += d.toString()));
  app.write('there');
  while (echoed.length < 14) await once(app, 'data');
  // 'hi' and 'there' each echoed twice, whether they reached the far end in one segment or two.
  assert.ok(['hihitherethere', 'hitherehithere'].includes(echoed), echoed);
  app.end();
  upstream.end();
  const [error, totals] = await closed;
  assert.equal(error, undefined);
  assert.deepEqual(totals, { bytesIn: 7, bytesOut: 14 });
  assert.equal(received, 7);
  assert.equal(sent, 14);
});

test('an error on one side tears both down and is reported once', async () => {
  const [app, down] = await socketPair();
  const [up, upstream] = await socketPair();
  const closed = new Promise<[Error | undefined, TunnelTotals]>((resolve) =>
    joinTunnel(down, up, Buffer.alloc(0), { addReceivedBytes: () => undefined, addSentBytes: () => undefined }, (e, t) => resolve([e, t])));
  app.on('error', () => undefined);
  upstream.on('error', () => undefined);
  up.emit('error', new Error('upstream broke'));
  const [error, totals] = await closed;
  assert.equal(error?.message, 'upstream broke');
  assert.deepEqual(totals, { bytesIn: 0, bytesOut: 0 });
  assert.ok(down.destroyed && up.destroyed);
});
