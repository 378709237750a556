// Differential fuzz of the response codec against Node's own parser (llhttp in response mode, as the
// node:http client runs it). A pooled upstream connection is only safe to reuse if we and any HTTP/1
// client agree where each response ends, so: every response we accept, llhttp accepts identically (status,
// version, headers, body bytes), we never see a boundary it does not, and wherever it refuses, we refuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { responseStreamArb } from '../../../../test/support/http1-arbitraries.js';
import { parseWithLlhttp } from '../../../../test/support/llhttp-oracle.js';
import { createChunkedScanner, defaultHeadLimits, parseResponseHead, type ResponseHead } from './index.js';

const SEED = 0x0dd_ba11;
const RUNS = 3000;

interface OurMessage {
  readonly head: ResponseHead;
  readonly body: Buffer;
  readonly method: string;
}

function decodeChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', i);
    const size = Number.parseInt(raw.toString('latin1', i, lineEnd).split(';')[0]!, 16);
    i = lineEnd + 2;
    if (size === 0) return Buffer.concat(parts);
    parts.push(raw.subarray(i, i + size));
    i += size + 2;
  }
}

function runOurs(stream: Buffer, methods: readonly string[], cuts: readonly number[]): { messages: OurMessage[]; stop: string } {
  const deliveries = [...new Set([...cuts.map((c) => c % (stream.length + 1)), stream.length])].sort((a, b) => a - b);
  const messages: OurMessage[] = [];
  const scanner = createChunkedScanner();
  let off = 0;
  let finals = 0;
  let state: 'head' | 'length' | 'chunked' | 'close' = 'head';
  let head: ResponseHead | undefined;
  let remaining = 0;
  let method = 'GET';
  let parts: Buffer[] = [];
  const finish = (): boolean => {
    const h = head!;
    const raw = Buffer.concat(parts);
    messages.push({ head: h, body: h.framing.kind === 'chunked' ? decodeChunked(raw) : raw, method });
    parts = [];
    state = 'head';
    return h.status >= 200 && !h.keepAlive;
  };
  for (const avail of deliveries) {
    const view = stream.subarray(0, avail);
    for (;;) {
      if (state === 'head') {
        if (off === avail) break;
        method = methods[finals] ?? 'GET';
        const r = parseResponseHead(view, off, method, defaultHeadLimits);
        if (r.state === 'incomplete') break;
        if (r.state === 'error') return { messages, stop: 'error' };
        off += r.length;
        head = r.head;
        if (head.status >= 200) finals++;
        if (head.status === 101) {
          messages.push({ head, body: Buffer.alloc(0), method });
          return { messages, stop: 'tunnel' };
        }
        const framing = head.framing;
        switch (framing.kind) {
          case 'none':
            if (finish()) return { messages, stop: 'close' };
            break;
          case 'length':
            remaining = framing.length;
            state = 'length';
            break;
          case 'chunked':
            scanner.reset();
            state = 'chunked';
            break;
          case 'close':
            state = 'close';
            break;
        }
      } else if (state === 'length') {
        const n = Math.min(remaining, avail - off);
        parts.push(view.subarray(off, off + n));
        off += n;
        remaining -= n;
        if (remaining > 0) break;
        if (finish()) return { messages, stop: 'close' };
      } else if (state === 'chunked') {
        const r = scanner.scan(view, off, avail);
        if ('error' in r) return { messages, stop: 'error' };
        parts.push(view.subarray(off, off + r.consumed));
        off += r.consumed;
        if (!r.done) break;
        if (finish()) return { messages, stop: 'close' };
      } else {
        parts.push(view.subarray(off, avail));
        off = avail;
        if (avail < stream.length) break;
        finish();
        return { messages, stop: 'close' };
      }
    }
  }
  return { messages, stop: state === 'head' && off === stream.length ? 'end' : 'incomplete' };
}

const stats = { runs: 0, weAccepted: 0, bothRefused: 0, weStricter: 0, compared: 0 };

function check(stream: Buffer, methods: readonly string[], cuts: readonly number[]): void {
  stats.runs++;
  const ours = runOurs(stream, methods, cuts);
  const node = parseWithLlhttp(stream, 'response', methods);
  const nodeComplete = node.messages.filter((m) => m.complete).length;
  if (ours.messages.length > 0) stats.weAccepted++;
  for (let k = 0; k < ours.messages.length; k++) {
    const o = ours.messages[k]!;
    const n = node.messages[k];
    const where = `response ${k}`;
    assert.ok(n !== undefined, `${where}: we accepted a response llhttp never saw (${node.error})`);
    assert.equal(n.statusCode, o.head.status, `${where}: status`);
    assert.equal(n.versionMinor, o.head.versionMinor, `${where}: version`);
    assert.deepEqual(n.headers.map(([a, b]) => [a.toLowerCase(), b]), o.head.headers().map(([a, b]) => [a, b]), `${where}: headers`);
    if (o.head.status === 101) return;
    assert.ok(n.complete, `${where}: we saw the whole response, llhttp did not (boundary disagreement)`);
    assert.equal(Buffer.concat(n.body).toString('latin1'), o.body.toString('latin1'), `${where}: body`);
    stats.compared++;
    // llhttp computes keep-alive for a HEAD response before node:http tells it there is no body, so it
    // closes where RFC 9112 keeps alive; only other responses are compared.
    if (o.head.status >= 200 && o.method !== 'HEAD') assert.ok(!o.head.keepAlive || n.keepAlive, `${where}: we keep alive, llhttp closes`);
  }
  if (node.error !== undefined) {
    assert.ok(ours.messages.length <= nodeComplete, `llhttp refused response ${nodeComplete} (${node.error}) and we accepted it`);
    if (ours.stop === 'error') stats.bothRefused++;
  } else if (ours.stop === 'error') {
    stats.weStricter++;
  }
}

test('response codec agrees with llhttp (differential fuzz, fixed seed)', () => {
  fc.assert(
    fc.property(responseStreamArb, fc.array(fc.nat(), { maxLength: 3 }), ({ methods, stream }, cuts) => {
      check(stream, methods, cuts);
    }),
    { seed: SEED, numRuns: RUNS },
  );
  console.log(`response differential fuzz (seed ${SEED}): ${JSON.stringify(stats)}`);
  assert.ok(stats.weAccepted > RUNS * 0.3, `we accepted too few streams: ${stats.weAccepted}`);
  assert.ok(stats.bothRefused > RUNS * 0.05, `too few refusals exercised: ${stats.bothRefused}`);
});
