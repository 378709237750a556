// Differential fuzz of the request codec against Node's own parser (llhttp, strict mode, in-process).
// Property: every request we accept, Node accepts too, identically (method, target, version, headers,
// keep-alive, body bytes), and we never see a request boundary Node does not; wherever Node refuses, we
// refuse. We may be stricter. Deterministic: fixed seed, bounded runs; a failure prints seed and path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { requestStreamArb } from '../../../../test/support/http1-arbitraries.js';
import { llhttpMethods, parseWithLlhttp, type OracleMessage } from '../../../../test/support/llhttp-oracle.js';
import { createChunkedScanner, defaultHeadLimits, parseRequestHead, serializeRequestHead, type RequestHead } from './index.js';

const SEED = 0x5eed_c0de;
const RUNS = 4000;

interface OurMessage {
  readonly head: RequestHead;
  /** The body as the application sees it (chunked decoded). */
  readonly body: Buffer;
  /** The body bytes as they were on the wire (what the proxy forwards). */
  readonly wire: Buffer;
}

interface OurOutcome {
  readonly messages: OurMessage[];
  readonly stop: 'error' | 'incomplete' | 'end' | 'tunnel' | 'close';
  readonly reason?: string;
}

/** Decodes chunked bytes our scanner already validated (test-only; the proxy forwards them verbatim). */
function decodeChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', i);
    const sizeText = raw.toString('latin1', i, lineEnd).split(';')[0]!;
    const size = Number.parseInt(sizeText, 16);
    i = lineEnd + 2;
    if (size === 0) return Buffer.concat(parts);
    parts.push(raw.subarray(i, i + size));
    i += size + 2;
  }
}

/** Drives our codec over `stream` delivered in pieces ending at each of `cuts`, like the proxy engine would. */
function runOurs(stream: Buffer, cuts: readonly number[]): OurOutcome {
  const deliveries = [...new Set([...cuts.map((c) => c % (stream.length + 1)), stream.length])].sort((a, b) => a - b);
  const messages: OurMessage[] = [];
  const scanner = createChunkedScanner();
  let off = 0;
  let state: 'head' | 'length' | 'chunked' = 'head';
  let head: RequestHead | undefined;
  let remaining = 0;
  let parts: Buffer[] = [];
  const finish = (): OurOutcome | undefined => {
    const h = head!;
    const raw = Buffer.concat(parts);
    messages.push({ head: h, body: h.framing.kind === 'chunked' ? decodeChunked(raw) : raw, wire: raw });
    parts = [];
    state = 'head';
    return h.keepAlive ? undefined : { messages, stop: 'close' };
  };
  for (const avail of deliveries) {
    const view = stream.subarray(0, avail);
    for (;;) {
      if (state === 'head') {
        if (off === avail) break;
        const r = parseRequestHead(view, off, defaultHeadLimits);
        if (r.state === 'incomplete') break;
        if (r.state === 'error') return { messages, stop: 'error', reason: r.reason };
        off += r.length;
        head = r.head;
        if (head.upgrade !== undefined || head.method === 'CONNECT') {
          messages.push({ head, body: Buffer.alloc(0), wire: Buffer.alloc(0) });
          return { messages, stop: 'tunnel' };
        }
        const framing = head.framing;
        switch (framing.kind) {
          case 'none': {
            const stop = finish();
            if (stop) return stop;
            break;
          }
          case 'length':
            remaining = framing.length;
            state = 'length';
            break;
          case 'chunked':
            scanner.reset();
            state = 'chunked';
            break;
          case 'close':
            throw new Error('close framing on a request');
        }
      } else if (state === 'length') {
        const n = Math.min(remaining, avail - off);
        parts.push(view.subarray(off, off + n));
        off += n;
        remaining -= n;
        if (remaining > 0) break;
        const stop = finish();
        if (stop) return stop;
      } else {
        const r = scanner.scan(view, off, avail);
        if ('error' in r) return { messages, stop: 'error', reason: r.error };
        parts.push(view.subarray(off, off + r.consumed));
        off += r.consumed;
        if (!r.done) break;
        const stop = finish();
        if (stop) return stop;
      }
    }
  }
  return { messages, stop: state === 'head' && off === stream.length ? 'end' : 'incomplete' };
}

const stats = { forwardedChecked: 0, runs: 0, weAccepted: 0, nodeAccepted: 0, bothRefused: 0, weStricter: 0, messagesCompared: 0, nodeRefusedWeIncomplete: 0 };

function sameMessage(ours: OurMessage, node: OracleMessage, where: string): void {
  const h = ours.head;
  assert.equal(node.method, h.method, `${where}: method`);
  assert.equal(node.url, h.target, `${where}: target`);
  assert.equal(node.versionMajor, 1, `${where}: version`);
  assert.equal(node.versionMinor, h.versionMinor, `${where}: version`);
  assert.deepEqual(
    node.headers.map(([n, v]) => [n.toLowerCase(), v]),
    h.headers().map(([n, v]) => [n, v]),
    `${where}: headers`,
  );
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade']);

/**
 * What the proxy would send upstream for the requests we accepted (each head serialized, body bytes
 * verbatim, HTTP/1.0 keep-alive restated since Connection is hop-by-hop) must parse, with llhttp, into
 * exactly the same requests: same count, method, target, end-to-end headers and body.
 */
function checkForwarded(messages: readonly OurMessage[]): void {
  const plain = messages.filter((m) => m.head.upgrade === undefined && m.head.method !== 'CONNECT');
  if (plain.length === 0) return;
  const forwarded = Buffer.concat(
    plain.map((m, k) => {
      const last = k === plain.length - 1;
      const add: Array<readonly [string, string]> = m.head.versionMinor === 0 && !last ? [['connection', 'keep-alive']] : [];
      return serializeRequestHead(m.head, { remove: [], add }, m.wire);
    }),
  );
  const node = parseWithLlhttp(forwarded, 'request');
  assert.equal(node.error, undefined, `llhttp refuses what we forward: ${JSON.stringify(forwarded.toString('latin1'))}`);
  assert.equal(node.messages.filter((m) => m.complete).length, plain.length, 'forwarded request count');
  plain.forEach((m, k) => {
    const n = node.messages[k]!;
    assert.equal(n.method, m.head.method);
    // An absolute-form target is forwarded in origin-form, with a Host header when there was none.
    const absolute = /^https?:\/\//i.test(m.head.target);
    const rest = m.head.target.replace(/^https?:\/\/[^/?]*/i, '');
    assert.equal(n.url, absolute ? (rest.startsWith('/') ? rest : `/${rest}`) : m.head.target);
    assert.equal(Buffer.concat(n.body).toString('latin1'), m.body.toString('latin1'), `forwarded body ${k}`);
    const listed = new Set(
      m.head
        .headers()
        .filter(([name]) => name === 'connection')
        .flatMap(([, value]) => value.split(',').map((t) => t.trim().toLowerCase())),
    );
    const expected = m.head
      .headers()
      .filter(([name]) => !HOP_BY_HOP.has(name) && !(listed.has(name) && name !== 'host' && name !== 'content-length' && name !== 'transfer-encoding'));
    const got = n.headers.map(([a, b]) => [a.toLowerCase(), b]).filter(([a]) => a !== 'connection');
    const hostAdded = absolute && !m.head.headers().some(([name]) => name === 'host') ? [['host', m.head.host]] : [];
    assert.deepEqual(got, [...expected.map(([a, b]) => [a, b]), ...hostAdded], `forwarded headers ${k}`);
  });
  stats.forwardedChecked += plain.length;
}

function check(stream: Buffer, cuts: readonly number[]): void {
  stats.runs++;
  const ours = runOurs(stream, cuts);
  const node = parseWithLlhttp(stream, 'request');
  const nodeComplete = node.messages.filter((m) => m.complete).length;
  if (ours.messages.length > 0) stats.weAccepted++;
  if (node.error === undefined && nodeComplete > 0) stats.nodeAccepted++;
  // (llhttp knows a fixed list of methods; what we forward with another one is the next hop's to judge.)
  if (ours.messages.every((m) => llhttpMethods.has(m.head.method))) checkForwarded(ours.messages);

  for (let k = 0; k < ours.messages.length; k++) {
    const o = ours.messages[k]!;
    const n = node.messages[k];
    const where = `message ${k}`;
    if (n === undefined) {
      // Only acceptable when Node refused an extension method we allow (it knows a fixed list).
      assert.ok(node.error === 'HPE_INVALID_METHOD' && nodeComplete === k && !llhttpMethods.has(o.head.method), `${where}: we accepted a request Node never saw (node error ${node.error})`);
      return;
    }
    sameMessage(o, n, where);
    stats.messagesCompared++;
    if (o.head.upgrade !== undefined || o.head.method === 'CONNECT') {
      assert.equal(n.upgrade, true, `${where}: Node does not treat it as a tunnel`);
      return;
    }
    assert.ok(n.complete, `${where}: we saw the whole request, Node did not (boundary disagreement)`);
    assert.equal(Buffer.concat(n.body).toString('latin1'), o.body.toString('latin1'), `${where}: body`);
    if (n.upgrade) return; // Node tunnels after this (an HTTP/1.0 Upgrade we ignore); it parses nothing more.
    // We may close where Node keeps alive (HTTP/1.0 with both close and keep-alive), never the reverse.
    assert.ok(!o.head.keepAlive || n.keepAlive, `${where}: we keep alive, Node closes`);
  }

  if (node.error !== undefined) {
    if (node.error === 'HPE_INVALID_METHOD') {
      const refused = ours.messages[nodeComplete];
      if (refused !== undefined && !llhttpMethods.has(refused.head.method)) return;
    }
    assert.ok(ours.messages.length <= nodeComplete, `Node refused message ${nodeComplete} (${node.error}) and we accepted it`);
    if (ours.stop === 'error') stats.bothRefused++;
    else if (ours.stop === 'incomplete') stats.nodeRefusedWeIncomplete++;
    else assert.ok(ours.stop === 'close' || ours.stop === 'tunnel', `Node refused (${node.error}) and we ended cleanly`);
  } else if (ours.stop === 'error') {
    stats.weStricter++;
  }
}

test('request codec agrees with llhttp (differential fuzz, fixed seed)', () => {
  fc.assert(
    fc.property(requestStreamArb, fc.array(fc.nat(), { maxLength: 4 }), (stream, cuts) => {
      check(stream, cuts);
    }),
    { seed: SEED, numRuns: RUNS },
  );
  console.log(`differential fuzz (seed ${SEED}): ${JSON.stringify(stats)}`);
  // Guard against a generator that only produces garbage: both sides must accept a good share.
  assert.ok(stats.weAccepted > RUNS * 0.3, `we accepted too few streams: ${stats.weAccepted}`);
  assert.ok(stats.bothRefused > RUNS * 0.1, `too few refusals exercised: ${stats.bothRefused}`);
});

test('classic smuggling streams: we never accept more than Node', () => {
  const streams = [
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-encoding: x\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n',
    'GET / HTTP/1.1\nHost: a\n\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nX: \0\r\n\r\n',
  ];
  for (const s of streams) {
    const stream = Buffer.from(s, 'latin1');
    for (let cut = 0; cut <= stream.length; cut++) check(stream, [cut]);
    const ours = runOurs(stream, []);
    assert.equal(ours.stop, 'error', `we did not refuse ${JSON.stringify(s)}`);
  }
});
