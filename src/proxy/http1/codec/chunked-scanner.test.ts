import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createChunkedScanner, type ChunkedLimits } from './index.js';

type Outcome = { readonly consumed: number; readonly done: boolean } | { readonly error: string };

/** Feeds `pieces` in order to one scanner; returns total bytes consumed and the final state. */
function feed(pieces: readonly Buffer[], limits?: ChunkedLimits): { consumed: number; done: boolean; error?: string } {
  const s = createChunkedScanner(limits);
  let consumed = 0;
  for (const p of pieces) {
    const r: Outcome = s.scan(p, 0, p.length);
    if ('error' in r) return { consumed, done: false, error: r.error };
    assert.ok(r.consumed <= p.length);
    consumed += r.consumed;
    if (r.done) return { consumed, done: true };
    assert.equal(r.consumed, p.length, 'an unfinished body consumes everything it is given');
  }
  return { consumed, done: false };
}

/** The same bytes: whole, in every two-piece split, in every three-piece split (short inputs), and byte by byte. */
function splits(buf: Buffer): Buffer[][] {
  const out: Buffer[][] = [[buf]];
  for (let i = 0; i <= buf.length; i++) out.push([buf.subarray(0, i), buf.subarray(i)]);
  if (buf.length <= 48) {
    for (let i = 0; i <= buf.length; i++) for (let j = i; j <= buf.length; j++) out.push([buf.subarray(0, i), buf.subarray(i, j), buf.subarray(j)]);
  }
  out.push([...buf].map((b) => Buffer.from([b])));
  return out;
}

/** Asserts every split gives the same answer as the whole buffer, and returns that answer. */
function scanAllWays(text: string, limits?: ChunkedLimits): { consumed: number; done: boolean; error?: string } {
  const buf = Buffer.from(text, 'latin1');
  const whole = feed([buf], limits);
  for (const pieces of splits(buf)) {
    const r = feed(pieces, limits);
    const where = `split ${pieces.map((p) => p.length).join('+')} of ${JSON.stringify(text)}`;
    if (whole.error !== undefined) assert.equal(r.error, whole.error, where);
    else assert.deepEqual(r, whole, where);
  }
  return whole;
}

describe('chunked scanner: complete bodies (every split gives the same result)', () => {
  const table: Array<[string, string]> = [
    ['empty body', '0\r\n\r\n'],
    ['one chunk', '5\r\nhello\r\n0\r\n\r\n'],
    ['several chunks', '1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n'],
    ['upper and lower hex', 'A\r\n0123456789\r\nb\r\n0123456789a\r\n0\r\n\r\n'],
    ['leading zeros in sizes', '0005\r\nhello\r\n000\r\n\r\n'],
    ['sixteen hex digits', '0000000000000005\r\nhello\r\n0\r\n\r\n'],
    ['chunk data holding CRLFs and a fake last chunk', '9\r\n0\r\n\r\nabcd\r\n0\r\n\r\n'],
    ['binary chunk data with NUL', `4\r\n\0\xff\r\n\r\n0\r\n\r\n`],
    ['extension without value', '5;ext\r\nhello\r\n0\r\n\r\n'],
    ['extension with token value', '5;a=b\r\nhello\r\n0;last=1\r\n\r\n'],
    ['extension with quoted value', '5;a="x y;z"\r\nhello\r\n0\r\n\r\n'],
    ['extension with escaped quote', '5;a="x\\"y"\r\nhello\r\n0\r\n\r\n'],
    ['several extensions', '5;a;b=c;d="e"\r\nhello\r\n0\r\n\r\n'],
    ['one trailer', '5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n'],
    ['two trailers, one empty value', '0\r\nA: 1\r\nB:\r\n\r\n'],
    ['odd sizes', '1\r\nx\r\nff\r\n' + 'y'.repeat(255) + '\r\n7\r\n1234567\r\n0\r\n\r\n'],
  ];
  for (const [name, text] of table) {
    test(name, () => {
      const r = scanAllWays(text + 'GET / HTTP/1.1\r\n');
      assert.equal(r.error, undefined);
      assert.equal(r.done, true);
      assert.equal(r.consumed, text.length, 'stops exactly at the end of the body');
    });
  }

  test('a big chunk is skipped in bulk and stops at the boundary', () => {
    const data = Buffer.alloc(1 << 20, 0x61);
    const body = Buffer.concat([Buffer.from('100000\r\n'), data, Buffer.from('\r\n0\r\n\r\nNEXT')]);
    const s = createChunkedScanner();
    let consumed = 0;
    for (let off = 0; off < body.length; off += 65536) {
      const r = s.scan(body, off, Math.min(body.length, off + 65536));
      if ('error' in r) assert.fail(r.error);
      consumed += r.consumed;
      if (r.done) break;
    }
    assert.equal(consumed, body.length - 4);
  });

  test('scans from an offset up to an end inside a larger buffer', () => {
    const buf = Buffer.from('XXXX3\r\nabc\r\n0\r\n\r\nYYYY', 'latin1');
    const r = createChunkedScanner().scan(buf, 4, buf.length - 2);
    assert.deepEqual(r, { consumed: 13, done: true });
  });

  test('after done nothing more is consumed until reset', () => {
    const s = createChunkedScanner();
    const buf = Buffer.from('0\r\n\r\n0\r\n\r\n', 'latin1');
    assert.deepEqual(s.scan(buf, 0, buf.length), { consumed: 5, done: true });
    assert.deepEqual(s.scan(buf, 5, buf.length), { consumed: 0, done: true });
    s.reset();
    assert.deepEqual(s.scan(buf, 5, buf.length), { consumed: 5, done: true });
  });

  test('an error is sticky until reset', () => {
    const s = createChunkedScanner();
    const bad = Buffer.from('z\r\n', 'latin1');
    assert.ok('error' in s.scan(bad, 0, bad.length));
    const good = Buffer.from('0\r\n\r\n', 'latin1');
    assert.ok('error' in s.scan(good, 0, good.length));
    s.reset();
    assert.deepEqual(s.scan(good, 0, good.length), { consumed: 5, done: true });
  });

  test('an unfinished body consumes what it has and is not done', () => {
    for (const text of ['5\r\nhel', '5\r\nhello', '5\r\nhello\r', '5\r\nhello\r\n0\r\n', '0\r\nX: 1\r\n', '5;a="q']) {
      const r = scanAllWays(text);
      assert.deepEqual(r, { consumed: text.length, done: false }, JSON.stringify(text));
    }
  });
});

describe('chunked scanner: refusals (every split refuses the same way)', () => {
  const table: Array<[string, string, string]> = [
    ['empty chunk size', '\r\nhello\r\n0\r\n\r\n', 'chunk size is not a hex number'],
    ['0x prefix', '0x5\r\nhello\r\n0\r\n\r\n', 'invalid character after chunk size'],
    ['leading space', ' 5\r\nhello\r\n0\r\n\r\n', 'chunk size is not a hex number'],
    ['trailing space', '5 \r\nhello\r\n0\r\n\r\n', 'invalid character after chunk size'],
    ['trailing tab', '5\t\r\nhello\r\n0\r\n\r\n', 'invalid character after chunk size'],
    ['plus sign', '+5\r\nhello\r\n0\r\n\r\n', 'chunk size is not a hex number'],
    ['minus sign', '-5\r\nhello\r\n0\r\n\r\n', 'chunk size is not a hex number'],
    ['non-hex digit', '5g\r\nhello\r\n0\r\n\r\n', 'invalid character after chunk size'],
    ['seventeen hex digits', '00000000000000005\r\nhello\r\n0\r\n\r\n', 'chunk size has too many digits'],
    ['size over 2^53', '20000000000000\r\n', 'chunk size overflows'],
    ['size 2^64-1', 'ffffffffffffffff\r\n', 'chunk size overflows'],
    ['LF-only size line', '5\nhello\r\n0\r\n\r\n', 'invalid character after chunk size'],
    ['CR without LF after size', '5\rhello\r\n0\r\n\r\n', 'chunk size line not ended by CRLF'],
    ['data longer than the size', '5\r\nhello!\r\n0\r\n\r\n', 'chunk data not followed by CRLF'],
    ['data shorter than the size', '5\r\nhell\r\n0\r\n\r\n', 'chunk data not followed by CRLF'],
    ['LF-only after data', '5\r\nhello\n0\r\n\r\n', 'chunk data not followed by CRLF'],
    ['CR without LF after data', '5\r\nhello\rx0\r\n\r\n', 'chunk data not followed by CRLF'],
    ['space before extension', '5 ;a\r\nhello\r\n0\r\n\r\n', 'invalid character after chunk size'],
    ['space inside extension', '5; a\r\nhello\r\n0\r\n\r\n', 'invalid chunk extension'],
    ['space before =', '5;a =b\r\nhello\r\n0\r\n\r\n', 'invalid chunk extension'],
    ['empty extension name', '5;=b\r\nhello\r\n0\r\n\r\n', 'invalid chunk extension'],
    ['empty extension', '5;\r\nhello\r\n0\r\n\r\n', 'invalid chunk extension'],
    ['empty extension value', '5;a=\r\nhello\r\n0\r\n\r\n', 'invalid chunk extension value'],
    ['NUL in extension', '5;a=b\0\r\nhello\r\n0\r\n\r\n', 'invalid chunk extension value'],
    ['CTL in quoted extension', '5;a="\x01"\r\nhello\r\n0\r\n\r\n', 'invalid chunk extension value'],
    ['junk after quoted extension', '5;a="b"c\r\nhello\r\n0\r\n\r\n', 'invalid chunk extension'],
    ['unterminated quote eats the line', '5;a="b\r\nhello\r\n0\r\n\r\n', 'invalid chunk extension value'],
    ['LF-only final line', '0\r\n\n', 'invalid trailer field'],
    ['CR without LF at the end', '0\r\n\rX', 'chunked body not ended by CRLF'],
    ['obs-fold in trailer', '0\r\nA: 1\r\n 2\r\n\r\n', 'obsolete line folding in trailer'],
    ['space before colon in trailer', '0\r\nA : 1\r\n\r\n', 'invalid trailer field name'],
    ['trailer without colon', '0\r\nA\r\n\r\n', 'invalid trailer field name'],
    ['NUL in trailer value', '0\r\nA: \0\r\n\r\n', 'control character in trailer value'],
    ['LF-only trailer line', '0\r\nA: 1\n\r\n', 'control character in trailer value'],
    ['Content-Length trailer', '0\r\nContent-Length: 5\r\n\r\n', 'framing or routing header in trailer'],
    ['Transfer-Encoding trailer', '0\r\ntransfer-encoding: chunked\r\n\r\n', 'framing or routing header in trailer'],
    ['Host trailer', '0\r\nHOST: x\r\n\r\n', 'framing or routing header in trailer'],
  ];
  for (const [name, text, reason] of table) {
    test(name, () => {
      const r = scanAllWays(text);
      assert.equal(r.error, reason, JSON.stringify(text));
    });
  }

  test('a longer name that starts like a forbidden one is fine', () => {
    assert.equal(scanAllWays('0\r\nContent-Length-X: 5\r\nHosts: y\r\n\r\n').done, true);
  });

  test('chunk size line limit', () => {
    const ext = ';a=' + 'b'.repeat(100);
    assert.equal(scanAllWays(`5${ext}\r\nhello\r\n0\r\n\r\n`, { maxChunkHeaderBytes: 200 }).done, true);
    assert.equal(scanAllWays(`5${ext}\r\nhello\r\n0\r\n\r\n`, { maxChunkHeaderBytes: 50 }).error, 'chunk size line too long');
  });

  test('trailer section limit', () => {
    const trailers = `X: ${'v'.repeat(100)}\r\n`;
    assert.equal(scanAllWays(`0\r\n${trailers}\r\n`, { maxTrailerBytes: 200 }).done, true);
    assert.equal(scanAllWays(`0\r\n${trailers}\r\n`, { maxTrailerBytes: 50 }).error, 'trailer section too large');
  });
});
