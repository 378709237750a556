import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultHeadLimits, parseResponseHead, type ResponseHead } from './index.js';

function parse(text: string, method = 'GET', limits = defaultHeadLimits) {
  return parseResponseHead(Buffer.from(text, 'latin1'), 0, method, limits);
}

function ok(text: string, method = 'GET'): ResponseHead {
  const r = parse(text, method);
  assert.equal(r.state, 'complete', r.state === 'error' ? r.reason : 'incomplete');
  if (r.state !== 'complete') throw new Error('unreachable');
  return r.head;
}

describe('parseResponseHead: framing (RFC 9112 §6.3)', () => {
  const table: Array<[string, string, string, unknown, boolean]> = [
    // name, method, head, framing, keepAlive
    ['Content-Length', 'GET', 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n', { kind: 'length', length: 12 }, true],
    ['Content-Length 0', 'GET', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', { kind: 'none' }, true],
    ['chunked', 'POST', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', { kind: 'chunked' }, true],
    ['xchunked runs to close', 'GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n', { kind: 'close' }, false],
    ['gzip, chunked is chunked (forwarded verbatim)', 'GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', { kind: 'chunked' }, true],
    ['a coding without chunked runs to close', 'GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', { kind: 'close' }, false],
    ['no length: close-delimited', 'GET', 'HTTP/1.1 200 OK\r\n\r\n', { kind: 'close' }, false],
    ['HTTP/1.0 no length: close-delimited', 'GET', 'HTTP/1.0 200 OK\r\n\r\n', { kind: 'close' }, false],
    ['HTTP/1.0 keep-alive with length', 'GET', 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n', { kind: 'length', length: 1 }, true],
    ['HTTP/1.0 with length closes by default', 'GET', 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n', { kind: 'length', length: 1 }, false],
    ['Connection: close', 'GET', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n', { kind: 'length', length: 1 }, false],
    ['HEAD ignores Content-Length', 'HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', { kind: 'none' }, true],
    ['HEAD ignores chunked', 'HEAD', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', { kind: 'none' }, true],
    ['204 has no body', 'GET', 'HTTP/1.1 204 No Content\r\n\r\n', { kind: 'none' }, true],
    ['304 has no body despite Content-Length', 'GET', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n', { kind: 'none' }, true],
    ['100 Continue is interim, no body', 'POST', 'HTTP/1.1 100 Continue\r\n\r\n', { kind: 'none' }, true],
    ['103 Early Hints', 'GET', 'HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n', { kind: 'none' }, true],
    ['CONNECT 200 is a tunnel', 'CONNECT', 'HTTP/1.1 200 Connection Established\r\n\r\n', { kind: 'close' }, false],
    ['CONNECT 407 has a normal body', 'CONNECT', 'HTTP/1.1 407 Proxy Auth\r\nContent-Length: 3\r\n\r\n', { kind: 'length', length: 3 }, true],
  ];
  for (const [name, method, text, framing, keepAlive] of table) {
    test(name, () => {
      const h = ok(text, method);
      assert.deepEqual(h.framing, framing);
      assert.equal(h.keepAlive, keepAlive);
    });
  }

  test('status line fields and headers', () => {
    const text = 'HTTP/1.1 404 Not Found Here\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n';
    const r = parse(text + 'abc');
    assert.equal(r.state, 'complete');
    if (r.state !== 'complete') return;
    assert.equal(r.length, text.length);
    assert.equal(r.head.status, 404);
    assert.equal(r.head.reason, 'Not Found Here');
    assert.equal(r.head.versionMinor, 1);
    assert.equal(r.head.header('content-type'), 'text/plain');
    assert.deepEqual(r.head.headers(), [['content-type', 'text/plain'], ['content-length', '3']]);
    assert.equal(r.head.raw.toString('latin1'), text);
  });

  test('empty reason, with and without the space', () => {
    assert.equal(ok('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n').reason, '');
    assert.equal(ok('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').reason, '');
  });

  test('101 Switching Protocols carries the upgrade', () => {
    const h = ok('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    assert.equal(h.status, 101);
    assert.equal(h.upgrade, 'websocket');
    assert.deepEqual(h.framing, { kind: 'none' });
  });

  test('Upgrade on a 200 is not an upgrade', () => {
    assert.equal(ok('HTTP/1.1 200 OK\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n').upgrade, undefined);
  });

  test('incomplete at every prefix', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n';
    for (let n = 0; n < text.length; n++) assert.equal(parse(text.slice(0, n)).state, 'incomplete', `prefix ${n}`);
  });
});

describe('parseResponseHead: refusals', () => {
  const table: Array<[string, string, string]> = [
    ['CL and TE', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 'both Content-Length and Transfer-Encoding'],
    ['two Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n', 'more than one Content-Length'],
    ['malformed Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\n', 'malformed Content-Length'],
    ['two Transfer-Encoding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n', 'more than one Transfer-Encoding header'],
    ['chunked not last', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 'malformed Transfer-Encoding'],
    ['chunked twice', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', 'malformed Transfer-Encoding'],
    ['chunked with a parameter', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;x\r\n\r\n', 'malformed Transfer-Encoding'],
    ['trailing comma', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n', 'malformed Transfer-Encoding'],
    ['leading comma', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked\r\n\r\n', 'malformed Transfer-Encoding'],
    ['empty element', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,,chunked\r\n\r\n', 'malformed Transfer-Encoding'],
    ['empty value', 'HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n', 'malformed Transfer-Encoding'],
    ['TE in HTTP/1.0', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'Transfer-Encoding in an HTTP/1.0 response'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n', 'obsolete line folding'],
    ['bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\n\n', 'bare LF'],
    ['NUL in value', 'HTTP/1.1 200 OK\r\nX: \0\r\n\r\n', 'control character in header value'],
    ['space before colon', 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', 'whitespace between header name and colon'],
    ['HTTP/2 status line', 'HTTP/2 200 OK\r\n\r\n', 'unsupported HTTP version'],
    ['HTTP/1.2', 'HTTP/1.2 200 OK\r\n\r\n', 'unsupported HTTP version'],
    ['two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 'invalid status code'],
    ['four-digit status', 'HTTP/1.1 2000 OK\r\n\r\n', 'invalid status code'],
    ['status 600', 'HTTP/1.1 600 X\r\n\r\n', 'invalid status code'],
    ['status 099', 'HTTP/1.1 099 X\r\n\r\n', 'invalid status code'],
    ['two spaces before the status', 'HTTP/1.1  200 OK\r\n\r\n', 'invalid status code'],
    ['CTL in reason', 'HTTP/1.1 200 O\x01K\r\n\r\n', 'control character in reason phrase'],
    ['100 with Connection: close', 'HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\n', 'Connection: close on a 1xx response'],
    ['1xx in HTTP/1.0', 'HTTP/1.0 100 Continue\r\n\r\n', '1xx response in HTTP/1.0'],
    ['two Upgrade headers', 'HTTP/1.1 101 Switching\r\nUpgrade: a\r\nUpgrade: b\r\n\r\n', 'more than one Upgrade header'],
  ];
  for (const [name, text, reason] of table) {
    test(name, () => {
      const r = parse(text);
      assert.equal(r.state, 'error', `accepted ${JSON.stringify(text)}`);
      if (r.state === 'error') {
        assert.equal(r.code, 'WEFT_PROXY_BAD_REQUEST');
        assert.ok(r.reason.includes(reason), `${r.reason} lacks ${reason}`);
      }
    });
  }

  test('head size and header count limits give HEAD_TOO_LARGE', () => {
    const r1 = parse(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(200)}\r\n\r\n`, 'GET', { maxHeadBytes: 100, maxHeaders: 10 });
    assert.equal(r1.state === 'error' && r1.code, 'WEFT_PROXY_HEAD_TOO_LARGE');
    const r2 = parse('HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n', 'GET', { maxHeadBytes: 1000, maxHeaders: 2 });
    assert.equal(r2.state === 'error' && r2.code, 'WEFT_PROXY_HEAD_TOO_LARGE');
  });
});
