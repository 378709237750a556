import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultHeadLimits, parseRequestHead, type RequestHead } from './index.js';

function parse(text: string, limits = defaultHeadLimits) {
  return parseRequestHead(Buffer.from(text, 'latin1'), 0, limits);
}

function ok(text: string): RequestHead {
  const r = parse(text);
  assert.equal(r.state, 'complete', r.state === 'error' ? r.reason : 'incomplete');
  if (r.state !== 'complete') throw new Error('unreachable');
  return r.head;
}

const H = 'Host: a.example\r\n';

describe('parseRequestHead: accepted heads', () => {
  test('a typical GET', () => {
    const text = `GET /p/q?x=1&y=2 HTTP/1.1\r\nHost: svc.ns:8080\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n`;
    const r = parse(text + 'NEXT');
    assert.equal(r.state, 'complete');
    if (r.state !== 'complete') return;
    assert.equal(r.length, text.length);
    const h = r.head;
    assert.equal(h.method, 'GET');
    assert.equal(h.target, '/p/q?x=1&y=2');
    assert.equal(h.path, '/p/q');
    assert.equal(h.versionMinor, 1);
    assert.equal(h.host, 'svc.ns:8080');
    assert.deepEqual(h.framing, { kind: 'none' });
    assert.equal(h.keepAlive, true);
    assert.equal(h.upgrade, undefined);
    assert.equal(h.expectContinue, false);
    assert.equal(h.raw.toString('latin1'), text);
    assert.equal(h.header('user-agent'), 't');
    assert.equal(h.header('USER-AGENT'), 't');
    assert.equal(h.header('missing'), undefined);
    assert.deepEqual(h.headers(), [['host', 'svc.ns:8080'], ['user-agent', 't'], ['accept', '*/*']]);
  });

  test('parses from an offset and reports the length consumed from it', () => {
    const head = `GET / HTTP/1.1\r\n${H}\r\n`;
    const buf = Buffer.from(`garbage${head}body`, 'latin1');
    const r = parseRequestHead(buf, 7, defaultHeadLimits);
    assert.equal(r.state, 'complete');
    if (r.state === 'complete') {
      assert.equal(r.length, head.length);
      assert.equal(r.head.raw.toString('latin1'), head);
    }
  });

  test('raw is a view of the input, not a copy', () => {
    const buf = Buffer.from(`GET / HTTP/1.1\r\n${H}\r\n`, 'latin1');
    const r = parseRequestHead(buf, 0, defaultHeadLimits);
    assert.equal(r.state, 'complete');
    if (r.state === 'complete') assert.equal(r.head.raw.buffer, buf.buffer);
  });

  test('leading empty lines are skipped and counted', () => {
    const r = parse(`\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`);
    assert.equal(r.state, 'complete');
    if (r.state === 'complete') {
      assert.equal(r.length, 4 + `GET / HTTP/1.1\r\n${H}\r\n`.length);
      assert.ok(r.head.raw.toString('latin1').startsWith('GET '));
    }
  });

  const table: Array<[string, string, (h: RequestHead) => void]> = [
    ['Content-Length body', `POST / HTTP/1.1\r\n${H}Content-Length: 42\r\n\r\n`, (h) => assert.deepEqual(h.framing, { kind: 'length', length: 42 })],
    ['Content-Length: 0 means no body', `POST / HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`, (h) => assert.deepEqual(h.framing, { kind: 'none' })],
    ['largest exact Content-Length', `POST / HTTP/1.1\r\n${H}Content-Length: 9007199254740991\r\n\r\n`, (h) => assert.deepEqual(h.framing, { kind: 'length', length: 9007199254740991 })],
    ['chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`, (h) => assert.deepEqual(h.framing, { kind: 'chunked' })],
    ['chunked in any case, with OWS', `POST / HTTP/1.1\r\n${H}transfer-encoding:\t CHUNKED  \r\n\r\n`, (h) => assert.deepEqual(h.framing, { kind: 'chunked' })],
    ['trailing tab on an ordinary header', `GET / HTTP/1.1\r\n${H}X: a\t\r\n\r\n`, (h) => assert.equal(h.header('x'), 'a')],
    ['no OWS after the colon', `GET / HTTP/1.1\r\nHost:a.example\r\n\r\n`, (h) => assert.equal(h.host, 'a.example')],
    ['trailing OWS trimmed from values', `GET / HTTP/1.1\r\nHost: a.example  \r\nX: 1 2 \t\r\n\r\n`, (h) => assert.equal(h.header('x'), '1 2')],
    ['empty header value', `GET / HTTP/1.1\r\n${H}X-Empty:\r\n\r\n`, (h) => assert.equal(h.header('x-empty'), '')],
    ['obs-text in a value', `GET / HTTP/1.1\r\n${H}X: caf\xe9\r\n\r\n`, (h) => assert.equal(h.header('x'), 'caf\xe9')],
    ['HTTP/1.0 without Host, closes by default', 'GET / HTTP/1.0\r\n\r\n', (h) => {
      assert.equal(h.versionMinor, 0);
      assert.equal(h.host, undefined);
      assert.equal(h.keepAlive, false);
    }],
    ['HTTP/1.0 keep-alive', 'GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n', (h) => assert.equal(h.keepAlive, true)],
    ['HTTP/1.0 keep-alive and close: close wins', 'GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n', (h) => assert.equal(h.keepAlive, false)],
    ['HTTP/1.1 Connection: close', `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, (h) => assert.equal(h.keepAlive, false)],
    ['HTTP/1.1 close among other options', `GET / HTTP/1.1\r\n${H}Connection: foo , CLOSE,bar\r\n\r\n`, (h) => assert.equal(h.keepAlive, false)],
    ['Upgrade with Connection: upgrade', `GET /ws HTTP/1.1\r\n${H}Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n`, (h) => assert.equal(h.upgrade, 'websocket')],
    ['Upgrade without Connection: upgrade is ignored', `GET / HTTP/1.1\r\n${H}Upgrade: websocket\r\n\r\n`, (h) => assert.equal(h.upgrade, undefined)],
    ['Upgrade in HTTP/1.0 is ignored', 'GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n', (h) => assert.equal(h.upgrade, undefined)],
    ['Expect: 100-continue', `PUT / HTTP/1.1\r\n${H}Expect: 100-Continue\r\nContent-Length: 5\r\n\r\n`, (h) => assert.equal(h.expectContinue, true)],
    ['Expect: 100-continue in HTTP/1.0 is ignored', 'PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n', (h) => assert.equal(h.expectContinue, false)],
    ['CONNECT authority-form', 'CONNECT db.example:5432 HTTP/1.1\r\nHost: db.example:5432\r\n\r\n', (h) => {
      assert.equal(h.target, 'db.example:5432');
      assert.equal(h.path, '');
      assert.deepEqual(h.framing, { kind: 'none' });
    }],
    ['CONNECT to an IPv6 literal', 'CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n', (h) => assert.equal(h.path, '')],
    ['OPTIONS *', `OPTIONS * HTTP/1.1\r\n${H}\r\n`, (h) => assert.equal(h.path, '')],
    ['absolute-form takes the host from the target', 'GET http://a.example/x/y?z HTTP/1.1\r\nHost: A.example\r\n\r\n', (h) => {
      assert.equal(h.host, 'a.example');
      assert.equal(h.path, '/x/y');
      assert.equal(h.target, 'http://a.example/x/y?z');
    }],
    ['absolute-form with an empty path', 'GET https://a.example:8443?q HTTP/1.1\r\nHost: a.example:8443\r\n\r\n', (h) => assert.equal(h.path, '/')],
    ['absolute-form in HTTP/1.0 without Host', 'GET http://a.example/ HTTP/1.0\r\n\r\n', (h) => assert.equal(h.host, 'a.example')],
    ['extension methods are tokens, case-sensitive', `PROPFIND /d HTTP/1.1\r\n${H}\r\n`, (h) => assert.equal(h.method, 'PROPFIND')],
    ['lower-case method kept as sent', `get / HTTP/1.1\r\n${H}\r\n`, (h) => assert.equal(h.method, 'get')],
    ['duplicate ordinary headers are kept in order', `GET / HTTP/1.1\r\n${H}X: 1\r\nx: 2\r\n\r\n`, (h) => {
      assert.equal(h.header('x'), '1');
      assert.deepEqual(h.headers().filter(([n]) => n === 'x'), [['x', '1'], ['x', '2']]);
    }],
    ['underscore in a header name is a token char', `GET / HTTP/1.1\r\n${H}Content_Length: 5\r\n\r\n`, (h) => assert.deepEqual(h.framing, { kind: 'none' })],
    ['empty Host is allowed', 'GET / HTTP/1.1\r\nHost:\r\n\r\n', (h) => assert.equal(h.host, '')],
  ];
  for (const [name, text, check] of table) test(name, () => check(ok(text)));
});

describe('parseRequestHead: refusals', () => {
  const table: Array<[string, string, string]> = [
    // smuggling: framing
    ['CL.TE', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`, 'both Content-Length and Transfer-Encoding'],
    ['TE.CL', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n`, 'both Content-Length and Transfer-Encoding'],
    ['duplicate Content-Length, equal', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\n`, 'more than one Content-Length'],
    ['duplicate Content-Length, different', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\ncontent-length: 6\r\n\r\n`, 'more than one Content-Length'],
    ['Content-Length list', `POST / HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\n`, 'malformed Content-Length'],
    ['Content-Length with +', `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\n`, 'malformed Content-Length'],
    ['Content-Length negative', `POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, 'malformed Content-Length'],
    ['Content-Length with leading zeros', `POST / HTTP/1.1\r\n${H}Content-Length: 005\r\n\r\n`, 'malformed Content-Length'],
    ['Content-Length 00', `POST / HTTP/1.1\r\n${H}Content-Length: 00\r\n\r\n`, 'malformed Content-Length'],
    ['Content-Length empty', `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, 'malformed Content-Length'],
    ['Content-Length with inner space', `POST / HTTP/1.1\r\n${H}Content-Length: 1 0\r\n\r\n`, 'malformed Content-Length'],
    ['Content-Length hex', `POST / HTTP/1.1\r\n${H}Content-Length: 0x10\r\n\r\n`, 'malformed Content-Length'],
    ['Content-Length fraction', `POST / HTTP/1.1\r\n${H}Content-Length: 1.0\r\n\r\n`, 'malformed Content-Length'],
    ['Content-Length 2^53', `POST / HTTP/1.1\r\n${H}Content-Length: 9007199254740992\r\n\r\n`, 'malformed Content-Length'],
    ['Content-Length 17 digits', `POST / HTTP/1.1\r\n${H}Content-Length: 10000000000000000\r\n\r\n`, 'malformed Content-Length'],
    ['Transfer-Encoding: chunked, chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n`, 'Transfer-Encoding other than exactly chunked'],
    ['Transfer-Encoding: gzip, chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n`, 'Transfer-Encoding other than exactly chunked'],
    ['Transfer-Encoding: chunked, gzip', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`, 'Transfer-Encoding other than exactly chunked'],
    ['Transfer-Encoding: xchunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n`, 'Transfer-Encoding other than exactly chunked'],
    ['Transfer-Encoding: chunkedx', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunkedx\r\n\r\n`, 'Transfer-Encoding other than exactly chunked'],
    ['Transfer-Encoding: identity', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\n`, 'Transfer-Encoding other than exactly chunked'],
    ['Transfer-Encoding: "chunked"', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: "chunked"\r\n\r\n`, 'Transfer-Encoding other than exactly chunked'],
    ['Transfer-Encoding: chunked;q=1', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked;q=1\r\n\r\n`, 'Transfer-Encoding other than exactly chunked'],
    ['Transfer-Encoding: ch unked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: ch unked\r\n\r\n`, 'Transfer-Encoding other than exactly chunked'],
    ['Transfer-Encoding: chunked with a vertical tab', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\x0b\r\n\r\n`, 'control character in header value'],
    ['Transfer-Encoding: chunked with a form feed before', `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\x0cchunked\r\n\r\n`, 'control character in header value'],
    ['Transfer-Encoding: chunked + tab', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\t\r\n\r\n`, 'tab after the value'],
    ['Transfer-Encoding: chunked + space + tab', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked \t\r\n\r\n`, 'tab after the value'],
    ['Content-Length + tab', `POST / HTTP/1.1\r\n${H}Content-Length: 1\t\r\n\r\n`, 'tab after the value'],
    ['Connection: close + tab', `GET / HTTP/1.1\r\n${H}Connection: close\t\r\n\r\n`, 'tab after the value'],
    ['Host + tab', 'GET / HTTP/1.1\r\nHost: a\t\r\n\r\n', 'tab after the value'],
    ['Transfer-Encoding empty', `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\n\r\n`, 'Transfer-Encoding other than exactly chunked'],
    ['Transfer-Encoding twice', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n`, 'more than one Transfer-Encoding header'],
    ['Transfer-Encoding twice, identity first', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n`, 'more than one Transfer-Encoding header'],
    ['space before the colon (TE.TE)', `POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n`, 'whitespace between header name and colon'],
    ['tab before the colon', `POST / HTTP/1.1\r\n${H}Content-Length\t: 5\r\n\r\n`, 'whitespace between header name and colon'],
    ['chunked in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 'Transfer-Encoding in an HTTP/1.0 request'],
    ['obs-fold', `GET / HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n`, 'obsolete line folding'],
    ['obs-fold with tab', `GET / HTTP/1.1\r\n${H}X: a\r\n\tb\r\n\r\n`, 'obsolete line folding'],
    ['obs-fold of Transfer-Encoding', `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\n chunked\r\n\r\n`, 'obsolete line folding'],
    ['whitespace before the first header', `GET / HTTP/1.1\r\n ${H}\r\n`, 'obsolete line folding'],
    // line endings and control characters
    ['LF-only head', 'GET / HTTP/1.1\nHost: a\n\n', 'bare LF'],
    ['LF-only header line', `GET / HTTP/1.1\r\nX: 1\n${H}\r\n`, 'bare LF'],
    ['LF after the request line', `GET / HTTP/1.1\n${H}\r\n`, 'unsupported HTTP version'],
    ['bare CR in a value', `GET / HTTP/1.1\r\nX: a\rb\r\n${H}\r\n`, 'bare CR'],
    ['bare CR line end', `GET / HTTP/1.1\r\nX: a\r${H}\r\n`, 'bare CR'],
    ['NUL in a value', `GET / HTTP/1.1\r\n${H}X: a\0b\r\n\r\n`, 'control character in header value'],
    ['DEL in a value', `GET / HTTP/1.1\r\n${H}X: a\x7fb\r\n\r\n`, 'control character in header value'],
    ['ESC in a value', `GET / HTTP/1.1\r\n${H}X: \x1b[0m\r\n\r\n`, 'control character in header value'],
    ['NUL in a name', `GET / HTTP/1.1\r\n${H}X\0: a\r\n\r\n`, 'invalid character in header name'],
    ['space inside a name', `GET / HTTP/1.1\r\n${H}Content Length: 5\r\n\r\n`, 'whitespace between header name and colon'],
    ['empty name', `GET / HTTP/1.1\r\n${H}: a\r\n\r\n`, 'invalid character in header name'],
    ['line without a colon', `GET / HTTP/1.1\r\n${H}X\r\n\r\n`, 'invalid character in header name'],
    ['non-token character in a name', `GET / HTTP/1.1\r\n${H}X(y): a\r\n\r\n`, 'invalid character in header name'],
    ['obs-text in a name', `GET / HTTP/1.1\r\n${H}X\xe9: a\r\n\r\n`, 'invalid character in header name'],
    // request line
    ['double space after the method', `GET  / HTTP/1.1\r\n${H}\r\n`, 'malformed request line'],
    ['double space before the version', `GET /  HTTP/1.1\r\n${H}\r\n`, 'unsupported HTTP version'],
    ['trailing space after the version', `GET / HTTP/1.1 \r\n${H}\r\n`, 'unsupported HTTP version'],
    ['tab as separator', `GET\t/ HTTP/1.1\r\n${H}\r\n`, 'invalid method'],
    ['leading space', ` GET / HTTP/1.1\r\n${H}\r\n`, 'invalid method'],
    ['no target', `GET HTTP/1.1\r\n${H}\r\n`, 'invalid request target'],
    ['no version (HTTP/0.9)', 'GET /\r\n\r\n', 'invalid request target'],
    ['invalid method character', `G@T / HTTP/1.1\r\n${H}\r\n`, 'invalid method'],
    ['HTTP/2.0', `GET / HTTP/2.0\r\n${H}\r\n`, 'unsupported HTTP version'],
    ['HTTP/1.2', `GET / HTTP/1.2\r\n${H}\r\n`, 'unsupported HTTP version'],
    ['lower-case version', `GET / http/1.1\r\n${H}\r\n`, 'unsupported HTTP version'],
    ['HTTP/1.10', `GET / HTTP/1.10\r\n${H}\r\n`, 'unsupported HTTP version'],
    ['target with a fragment', `GET /a#b HTTP/1.1\r\n${H}\r\n`, 'invalid request target'],
    ['target with a control character', `GET /a\x01b HTTP/1.1\r\n${H}\r\n`, 'invalid request target'],
    ['target with obs-text', `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`, 'invalid request target'],
    ['relative target', `GET a/b HTTP/1.1\r\n${H}\r\n`, 'invalid request target'],
    ['absolute-form with another scheme', `GET ftp://a.example/ HTTP/1.1\r\n${H}\r\n`, 'invalid request target'],
    ['absolute-form with userinfo', `GET http://u@a.example/ HTTP/1.1\r\n${H}\r\n`, 'invalid request target'],
    ['absolute-form without authority', `GET http:///x HTTP/1.1\r\n${H}\r\n`, 'invalid request target'],
    ['absolute-form Host mismatch', 'GET http://b.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n', 'Host header differs'],
    ['asterisk-form for GET', `GET * HTTP/1.1\r\n${H}\r\n`, 'asterisk-form target is only for OPTIONS'],
    ['CONNECT origin-form', `CONNECT / HTTP/1.1\r\n${H}\r\n`, 'CONNECT needs an authority-form target'],
    ['CONNECT without a port', `CONNECT a.example HTTP/1.1\r\n${H}\r\n`, 'CONNECT needs an authority-form target'],
    ['CONNECT with a body', 'CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\nContent-Length: 5\r\n\r\n', 'CONNECT with a body'],
    // Host
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\nX: 1\r\n\r\n', 'missing Host header'],
    ['two Host headers', `GET / HTTP/1.1\r\n${H}Host: b.example\r\n\r\n`, 'more than one Host header'],
    ['two equal Host headers', `GET / HTTP/1.1\r\n${H}${H}\r\n`, 'more than one Host header'],
    ['Host with a space', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', 'invalid Host header'],
    ['Host with a slash', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 'invalid Host header'],
    ['Host with userinfo', 'GET / HTTP/1.1\r\nHost: u@a\r\n\r\n', 'invalid Host header'],
    // Expect, Upgrade, Connection
    ['Expect other than 100-continue', `PUT / HTTP/1.1\r\n${H}Expect: 200-ok\r\n\r\n`, 'unsupported expectation'],
    ['two Expect headers', `PUT / HTTP/1.1\r\n${H}Expect: 100-continue\r\nExpect: 100-continue\r\n\r\n`, 'more than one Expect header'],
    ['two Upgrade headers', `GET / HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: a\r\nUpgrade: b\r\n\r\n`, 'more than one Upgrade header'],
    ['Connection with junk', `GET / HTTP/1.1\r\n${H}Connection: close;x\r\n\r\n`, 'invalid Connection header'],
    ['Connection tokens without a comma', `GET / HTTP/1.1\r\n${H}Connection: keep-alive close\r\n\r\n`, 'invalid Connection header'],
  ];
  for (const [name, text, reason] of table) {
    test(name, () => {
      const r = parse(text);
      assert.equal(r.state, 'error', `accepted: ${JSON.stringify(text)}`);
      if (r.state !== 'error') return;
      assert.equal(r.code, 'WEFT_PROXY_BAD_REQUEST');
      assert.ok(r.reason.includes(reason), `reason ${JSON.stringify(r.reason)} lacks ${JSON.stringify(reason)}`);
    });
  }
});

describe('parseRequestHead: limits and incomplete heads', () => {
  test('incomplete until the blank line arrives, at every prefix', () => {
    const text = `POST /x HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\n`;
    for (let n = 0; n < text.length; n++) assert.equal(parse(text.slice(0, n)).state, 'incomplete', `prefix ${n}`);
    assert.equal(parse(text).state, 'complete');
  });

  test('an LF-only request is refused before its end arrives', () => {
    const r = parse('GET / HTTP/1.1\nHost: a');
    assert.equal(r.state, 'error');
  });

  test('a bad request line is refused as soon as it has arrived', () => {
    for (const text of ['G@T / HTTP/1.1\r\n', 'GET /a#b HTTP/1.1\r\nHost: a\r\n', 'GET / HTTP/2.0\r\nX', 'GET  / HTTP/1.1\r\n']) {
      assert.equal(parse(text).state, 'error', JSON.stringify(text));
    }
    assert.equal(parse('GET / HTTP/1.1\r\nHost: a\r\n').state, 'incomplete');
    assert.equal(parse('G@T / HTTP/1.1').state, 'incomplete', 'the line is judged once it is complete');
  });

  test('a bare CR is refused before the end arrives', () => {
    assert.equal(parse('GET / HTTP/1.1\rHost: a').state, 'error');
    assert.equal(parse('GET / HTTP/1.1\r').state, 'incomplete');
  });

  test('a head over maxHeadBytes is refused with HEAD_TOO_LARGE, complete or not', () => {
    const limits = { maxHeadBytes: 100, maxHeaders: 128 };
    const big = `GET / HTTP/1.1\r\n${H}X: ${'a'.repeat(100)}\r\n\r\n`;
    for (const text of [big, big.slice(0, 110)]) {
      const r = parse(text, limits);
      assert.equal(r.state, 'error');
      if (r.state === 'error') assert.equal(r.code, 'WEFT_PROXY_HEAD_TOO_LARGE');
    }
    const exact = `GET / HTTP/1.1\r\n${H}X: ${'a'.repeat(100 - 40)}\r\n\r\n`;
    assert.equal(exact.length, 100);
    assert.equal(parse(exact, limits).state, 'complete');
    assert.equal(parse(exact.slice(0, 99), limits).state, 'incomplete');
  });

  test('endless leading empty lines count against maxHeadBytes', () => {
    const r = parse('\r\n'.repeat(60), { maxHeadBytes: 100, maxHeaders: 128 });
    assert.equal(r.state, 'error');
    if (r.state === 'error') assert.equal(r.code, 'WEFT_PROXY_HEAD_TOO_LARGE');
  });

  test('more than maxHeaders headers is HEAD_TOO_LARGE; exactly maxHeaders is fine', () => {
    const limits = { maxHeadBytes: 65536, maxHeaders: 4 };
    const four = `GET / HTTP/1.1\r\n${H}A: 1\r\nB: 2\r\nC: 3\r\n\r\n`;
    assert.equal(parse(four, limits).state, 'complete');
    const r = parse(four.replace('\r\n\r\n', '\r\nD: 4\r\n\r\n'), limits);
    assert.equal(r.state, 'error');
    if (r.state === 'error') assert.equal(r.code, 'WEFT_PROXY_HEAD_TOO_LARGE');
  });

  test('default limits are 64 KiB and 128 headers', () => {
    assert.deepEqual({ ...defaultHeadLimits }, { maxHeadBytes: 65536, maxHeaders: 128 });
  });
});
