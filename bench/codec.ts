// Microbenchmark: ns per operation of the HTTP/1.1 codec's per-request work.
// Run: npm run build && node dist/bench/codec.js
import {
  createChunkedScanner,
  defaultHeadLimits,
  parseRequestHead,
  parseResponseHead,
  serializeRequestHead,
  type HeadEdits,
} from '../src/proxy/http1/codec/index.js';

/** CPU time (not wall time: this box is shared) per call; the minimum of 9 runs, as the least disturbed. */
function measure(name: string, iterations: number, fn: (i: number) => void): void {
  for (let i = 0; i < 200_000; i++) fn(i); // warm-up
  const runs: number[] = [];
  for (let r = 0; r < 9; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) fn(i);
    const t = process.cpuUsage(t0);
    runs.push(((t.user + t.system) * 1000) / iterations);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(60)} ${(runs[0] ?? 0).toFixed(0)} ns/op (min), ${(runs[4] ?? 0).toFixed(0)} (median), CPU time`);
}

// A typical ~300-byte request head, as curl or a browser-less client would send it through a sidecar.
const requestText =
  'GET /api/v1/orders/12345?include=items&limit=20 HTTP/1.1\r\n' +
  'Host: orders.shop.svc.cluster.local:8080\r\n' +
  'User-Agent: curl/8.5.0\r\n' +
  'Accept: application/json\r\n' +
  'Accept-Encoding: gzip, deflate\r\n' +
  'Connection: keep-alive\r\n' +
  'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n' +
  'X-Request-Id: 7f3c1e2a-9b8d-4c6e-a1f0-123456789abc\r\n' +
  '\r\n';
const request = Buffer.from(requestText, 'latin1');
const response = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1024\r\nDate: Sun, 22 Nov 2026 01:00:00 GMT\r\nConnection: keep-alive\r\n\r\n',
  'latin1',
);
console.log(`request head: ${request.length} bytes, response head: ${response.length} bytes`);

let sink = 0;
const N = 1_000_000;
measure('parseRequestHead (typical head)', N, () => {
  const r = parseRequestHead(request, 0, defaultHeadLimits);
  if (r.state === 'complete') sink += r.length;
});
measure('parseRequestHead + header("x-request-id")', N, () => {
  const r = parseRequestHead(request, 0, defaultHeadLimits);
  if (r.state === 'complete') sink += r.head.header('x-request-id')?.length ?? 0;
});
measure('parseResponseHead (typical head)', N, () => {
  const r = parseResponseHead(response, 0, 'GET', defaultHeadLimits);
  if (r.state === 'complete') sink += r.length;
});

const parsed = parseRequestHead(request, 0, defaultHeadLimits);
if (parsed.state !== 'complete') throw new Error('bench request did not parse');
const edits: HeadEdits = {
  remove: ['x-forwarded-client-cert'],
  removePrefixes: ['x-weft-'],
  add: [['x-forwarded-client-cert', 'By=spiffe://weft.test/ns/shop/sa/orders;URI=spiffe://weft.test/ns/web/sa/frontend']],
};
measure('serializeRequestHead (strip hop-by-hop, 1 add, 1 remove)', N, () => {
  sink += serializeRequestHead(parsed.head, edits).length;
});
measure('parse + serialize (one proxied request head)', N, () => {
  const r = parseRequestHead(request, 0, defaultHeadLimits);
  if (r.state === 'complete') sink += serializeRequestHead(r.head, edits).length;
});

const chunked = Buffer.from('400\r\n' + 'x'.repeat(1024) + '\r\n0\r\n\r\n', 'latin1');
const scanner = createChunkedScanner();
measure('chunked scan (one 1 KiB chunk + last chunk)', N, () => {
  scanner.reset();
  const r = scanner.scan(chunked, 0, chunked.length);
  if (!('error' in r)) sink += r.consumed;
});
console.log(sink > 0 ? '' : 'no work done?');
