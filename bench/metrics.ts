// Microbenchmark: ns per operation on the proxy's metrics hot path.
// Run: npm run build && node dist/bench/metrics.js
import { createProxyMetrics } from '../src/proxy/metrics/proxy-metrics.js';

function measure(name: string, iterations: number, fn: (i: number) => void): void {
  for (let i = 0; i < 100_000; i++) fn(i); // warm-up
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    runs.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} ${(runs[3] ?? 0).toFixed(1)} ns/op (median of 7)`);
}

const m = createProxyMetrics();
const edge = m.bindEdge({
  direction: 'inbound',
  sourceWorkload: 'frontend',
  sourceNamespace: 'web',
  sourcePrincipal: 'spiffe://weft.test/ns/web/sa/frontend',
  destinationWorkload: 'api',
  destinationNamespace: 'app',
  destinationService: 'api.app',
  protocol: 'http',
});
const series = edge.requestSeries(200, -1, 'allowed');
const codes = [200, 200, 200, 404, 503, 200, 201, 200];
const N = 2_000_000;
measure('series.observe(v) (cached child)', N, (i) => series.observe((i & 1023) / 10_000));
measure('edge.recordRequest(code, -1, allowed, v) (child lookup)', N, (i) => edge.recordRequest(codes[i & 7] ?? 200, -1, 'allowed', (i & 1023) / 10_000));
measure('edge.addReceivedBytes + addSentBytes', N, (i) => {
  edge.addReceivedBytes(i & 4095);
  edge.addSentBytes(1024);
});
measure('m.authzDecision(true, policy)', N, () => m.authzDecision(true, 'app/allow-frontend'));
const t0 = process.hrtime.bigint();
const text = m.render();
console.log(`render: ${text.length} bytes in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2)} ms`);
