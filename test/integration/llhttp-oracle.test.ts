// The codec's differential fuzz uses node:http's parser in-process (test/support/llhttp-oracle.ts). This
// checks that oracle against a real node:http server on loopback: the same raw bytes yield the same
// requests (method, target, body), and a refused stream is refused by the server too.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { parseWithLlhttp } from '../support/llhttp-oracle.js';

interface Seen {
  method: string;
  url: string;
  body: string;
}

let server: Server;
let port = 0;
let seen: Seen[] = [];

before(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(parts).toString('latin1') });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends raw bytes on one connection, half-closes, and resolves with everything the server answered. */
function exchange(bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no answer within 5 s'));
    }, 5000);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    sock.end(bytes);
  });
}

const streams = [
  'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b?c HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /after HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /n HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n',
  'GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /bad HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n',
  'POST /z HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n',
];

test('the in-process llhttp oracle sees what a real node:http server sees', async () => {
  for (const text of streams) {
    const bytes = Buffer.from(text, 'latin1');
    seen = [];
    const answer = await exchange(bytes);
    const oracle = parseWithLlhttp(bytes, 'request');
    const expected = oracle.messages
      .filter((m) => m.complete)
      .map((m) => ({ method: m.method, url: m.url, body: Buffer.concat(m.body).toString('latin1') }));
    assert.deepEqual(seen, expected, `requests for ${JSON.stringify(text)}`);
    assert.equal(answer.includes('400 Bad Request'), oracle.error !== undefined, `refusal for ${JSON.stringify(text)}: ${answer}`);
  }
});
