import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultHeadLimits,
  parseRequestHead,
  parseResponseHead,
  serializeRequestHead,
  serializeResponseHead,
  simpleResponse,
  type HeadEdits,
  type RequestHead,
  type ResponseHead,
} from './index.js';

function req(text: string): RequestHead {
  const r = parseRequestHead(Buffer.from(text, 'latin1'), 0, defaultHeadLimits);
  if (r.state !== 'complete') throw new Error(`not complete: ${JSON.stringify(r)}`);
  return r.head;
}

function res(text: string, method = 'GET'): ResponseHead {
  const r = parseResponseHead(Buffer.from(text, 'latin1'), 0, method, defaultHeadLimits);
  if (r.state !== 'complete') throw new Error(`not complete: ${JSON.stringify(r)}`);
  return r.head;
}

const none: HeadEdits = { remove: [], add: [] };

describe('serializeRequestHead', () => {
  const table: Array<[string, string, HeadEdits, string]> = [
    ['unchanged head is forwarded byte for byte', 'GET /a?b HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n', none, 'GET /a?b HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n'],
    [
      'hop-by-hop headers are dropped, case-insensitively',
      'GET / HTTP/1.1\r\nHost: x\r\nCONNECTION: keep-alive\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: h2c\r\nA: 1\r\n\r\n',
      none,
      'GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\n\r\n',
    ],
    [
      'names listed in Connection are dropped, framing headers never',
      'POST / HTTP/1.1\r\nHost: x\r\nConnection: X-Hop, content-length, Host\r\nX-Hop: 1\r\nContent-Length: 2\r\nX-Keep: 2\r\n\r\n',
      none,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nX-Keep: 2\r\n\r\n',
    ],
    [
      'remove, removePrefixes and add',
      'GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-Client-Cert: evil\r\nX-Weft-Identity: evil\r\nx-weft-other: evil\r\nB: 2\r\n\r\n',
      { remove: ['x-forwarded-client-cert'], removePrefixes: ['x-weft-'], add: [['x-weft-peer', 'spiffe://td/ns/a/sa/b'], ['traceparent', '00-abc']] },
      'GET / HTTP/1.1\r\nHost: x\r\nB: 2\r\nx-weft-peer: spiffe://td/ns/a/sa/b\r\ntraceparent: 00-abc\r\n\r\n',
    ],
    [
      'keepUpgrade keeps Upgrade and sends connection: upgrade',
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n',
      { remove: [], add: [], keepUpgrade: true },
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\nconnection: upgrade\r\n\r\n',
    ],
    [
      'keepUpgrade with a Connection header in add does not add another',
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      { remove: [], add: [['Connection', 'Upgrade']], keepUpgrade: true },
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    ],
    [
      'without keepUpgrade an upgrade request becomes a plain one',
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      none,
      'GET /ws HTTP/1.1\r\nHost: x\r\n\r\n',
    ],
    [
      'absolute-form is forwarded in origin-form',
      'GET http://a.example:8080/p/q?x=1 HTTP/1.1\r\nHost: a.example:8080\r\nA: 1\r\n\r\n',
      none,
      'GET /p/q?x=1 HTTP/1.1\r\nHost: a.example:8080\r\nA: 1\r\n\r\n',
    ],
    ['absolute-form with an empty path', 'OPTIONS http://a.example?x HTTP/1.1\r\nHost: a.example\r\n\r\n', none, 'OPTIONS /?x HTTP/1.1\r\nHost: a.example\r\n\r\n'],
    ['absolute-form in HTTP/1.0 without Host gets one', 'GET http://a.example/ HTTP/1.0\r\nA: 1\r\n\r\n', none, 'GET / HTTP/1.0\r\nA: 1\r\nhost: a.example\r\n\r\n'],
    ['a head without headers', 'GET / HTTP/1.0\r\n\r\n', { remove: [], add: [['host', 'y']] }, 'GET / HTTP/1.0\r\nhost: y\r\n\r\n'],
    ['every header dropped', 'GET / HTTP/1.0\r\nConnection: close\r\n\r\n', none, 'GET / HTTP/1.0\r\n\r\n'],
  ];
  for (const [name, input, edits, expected] of table) {
    test(name, () => {
      assert.equal(serializeRequestHead(req(input), edits).toString('latin1'), expected);
    });
  }

  test('a replacement target goes in the request line; the same target as received changes nothing', () => {
    const head = req('GET /public/../admin?x=1 HTTP/1.1\r\nHost: x\r\nA: 1\r\n\r\n');
    assert.equal(serializeRequestHead(head, none, undefined, '/admin?x=1').toString('latin1'), 'GET /admin?x=1 HTTP/1.1\r\nHost: x\r\nA: 1\r\n\r\n');
    assert.equal(serializeRequestHead(head, none, undefined, head.target).toString('latin1'), 'GET /public/../admin?x=1 HTTP/1.1\r\nHost: x\r\nA: 1\r\n\r\n');
    const absolute = req('GET http://a.example/p/./q HTTP/1.0\r\n\r\n');
    assert.equal(serializeRequestHead(absolute, none, undefined, '/p/q').toString('latin1'), 'GET /p/q HTTP/1.0\r\nhost: a.example\r\n\r\n');
  });

  test('body bytes already read go into the same buffer', () => {
    const out = serializeRequestHead(req('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n'), { remove: [], add: [['a', 'b']] }, Buffer.from('body'));
    assert.equal(out.toString('latin1'), 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\na: b\r\n\r\nbody');
  });

  test('the output re-parses to the same request', () => {
    const head = req('PUT /p?q HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, x-a\r\nx-a: 1\r\nTransfer-Encoding: chunked\r\nB: 2\r\n\r\n');
    const again = req(serializeRequestHead(head, { remove: [], add: [['c', '3']] }).toString('latin1'));
    assert.equal(again.method, 'PUT');
    assert.equal(again.target, '/p?q');
    assert.deepEqual(again.framing, { kind: 'chunked' });
    assert.deepEqual(again.headers(), [['host', 'h'], ['transfer-encoding', 'chunked'], ['b', '2'], ['c', '3']]);
  });

  test('an invalid added header is a bug and throws (no header injection)', () => {
    const head = req('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    for (const add of [['x', 'a\r\nInjected: 1'], ['x', '\u010d\u010a'], ['bad name', 'v'], ['', 'v'], ['x\r\n', 'v'], ['x', '\0']] as const) {
      assert.throws(() => serializeRequestHead(head, { remove: [], add: [add] }), /codec: invalid|codec: empty/);
    }
    assert.equal(serializeRequestHead(head, { remove: [], add: [['x', 'caf\xe9 \t ok']] }).toString('latin1'), 'GET / HTTP/1.1\r\nHost: x\r\nx: caf\xe9 \t ok\r\n\r\n');
  });

  test('heads the codec did not parse are rebuilt from their fields', () => {
    const base = req('GET /x HTTP/1.1\r\nHost: h\r\nConnection: close, x-a\r\nx-a: 1\r\nB: 2\r\n\r\n');
    const foreign: RequestHead = {
      method: base.method,
      target: base.target,
      path: base.path,
      versionMinor: base.versionMinor,
      host: base.host,
      framing: base.framing,
      keepAlive: base.keepAlive,
      upgrade: undefined,
      expectContinue: false,
      raw: base.raw,
      header: (n) => base.header(n),
      headers: () => base.headers(),
    };
    const out = serializeRequestHead(foreign, { remove: [], add: [['c', '3']] }, Buffer.from('!'));
    assert.equal(out.toString('latin1'), 'GET /x HTTP/1.1\r\nhost: h\r\nb: 2\r\nc: 3\r\n\r\n!');
  });
});

describe('serializeResponseHead', () => {
  test('drops hop-by-hop, adds, appends the body', () => {
    const head = res('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\nServer: app\r\n\r\n');
    const out = serializeResponseHead(head, { remove: ['server'], add: [['x-weft', '1']] }, Buffer.from('hi'));
    assert.equal(out.toString('latin1'), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-weft: 1\r\n\r\nhi');
  });

  test('101 with keepUpgrade', () => {
    const head = res('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: a\r\n\r\n');
    const out = serializeResponseHead(head, { remove: [], add: [], keepUpgrade: true });
    assert.equal(out.toString('latin1'), 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: a\r\nconnection: upgrade\r\n\r\n');
  });
});

describe('simpleResponse', () => {
  test('a complete response with a UTF-8 body and its byte length', () => {
    const out = simpleResponse(403, 'Forbidden', 'denied by policy ns/é\n', { close: true, extraHeaders: [['x-weft-reason', 'authz']] });
    const text = out.toString('utf8');
    assert.equal(
      text,
      'HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 23\r\nconnection: close\r\nx-weft-reason: authz\r\n\r\ndenied by policy ns/é\n',
    );
    const head = res(out.toString('latin1'));
    assert.deepEqual(head.framing, { kind: 'length', length: 23 });
    assert.equal(head.keepAlive, false);
  });

  test('without options it keeps the connection', () => {
    const head = res(simpleResponse(503, 'Service Unavailable', 'no healthy upstream').toString('latin1'));
    assert.equal(head.keepAlive, true);
    assert.equal(head.status, 503);
  });
});
