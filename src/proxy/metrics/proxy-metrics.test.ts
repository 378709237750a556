import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createProxyMetrics, tlsFailureReasons, type EdgeLabels } from './proxy-metrics.js';
import { bucketIndex, latencyBucketsSeconds } from './histogram-buckets.js';
import { escapeLabelValue, formatSampleValue } from './prometheus-text.js';

const inbound: EdgeLabels = {
  direction: 'inbound',
  sourceWorkload: 'frontend',
  sourceNamespace: 'web',
  sourcePrincipal: 'spiffe://weft.test/ns/web/sa/frontend',
  destinationWorkload: 'api',
  destinationNamespace: 'app',
  destinationService: 'api.app',
  protocol: 'http',
};

function populated(): ReturnType<typeof createProxyMetrics> {
  const m = createProxyMetrics();
  const http = m.bindEdge(inbound);
  http.connectionOpened();
  http.recordRequest(200, -1, 'allowed', 0.0007);
  http.recordRequest(200, -1, 'allowed', 0.003);
  http.recordRequest(403, -1, 'denied', 0.0001);
  http.recordRequest(0, -1, 'allowed', 12);
  const grpc = m.bindEdge({ ...inbound, protocol: 'grpc', sourcePrincipal: '' });
  grpc.recordRequest(200, 7, 'denied', 0.002);
  grpc.recordRequest(200, 0, 'allowed', 0.02);
  grpc.recordRequest(200, 99, 'allowed', 0.02);
  const tcp = m.bindEdge({ ...inbound, direction: 'outbound', protocol: 'tcp', destinationService: 'we"ird\\svc\nname' });
  tcp.connectionOpened();
  tcp.connectionOpened();
  tcp.connectionClosed();
  tcp.addReceivedBytes(1234);
  tcp.addSentBytes(99);
  m.tlsHandshakeFailure('inbound', 'unknown_ca');
  m.tlsHandshakeFailure('inbound', 'unknown_ca');
  m.tlsHandshakeFailure('outbound', 'bad_identity');
  m.authzDecision(true, 'app/allow-frontend');
  m.authzDecision(false, '');
  m.authzDecision(false, 'app/deny-admin');
  return m;
}

test('a populated registry passes promtool check metrics', () => {
  const text = populated().render();
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.error, undefined, `promtool could not run: ${String(r.error)}`);
  assert.equal(r.status, 0, `promtool said:\n${r.stdout}${r.stderr}\n--- input ---\n${text}`);
  assert.equal(r.stdout + r.stderr, '', 'promtool reports no lint problems');
});

test('an empty registry passes promtool too', () => {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: createProxyMetrics().render(), encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('render: series, cumulative buckets, +Inf, sum and count', () => {
  const text = populated().render();
  const labels =
    'direction="inbound",source_workload="frontend",source_namespace="web",source_principal="spiffe://weft.test/ns/web/sa/frontend",' +
    'destination_workload="api",destination_namespace="app",destination_service="api.app",protocol="http"';
  const ok200 = `${labels},response_code="200",response_class="2xx",grpc_status="",authz_result="allowed"`;
  assert.ok(text.includes(`weft_proxy_requests_total{${ok200}} 2\n`), text);
  assert.ok(text.includes(`weft_proxy_request_duration_seconds_bucket{${ok200},le="0.0005"} 0\n`));
  assert.ok(text.includes(`weft_proxy_request_duration_seconds_bucket{${ok200},le="0.001"} 1\n`));
  assert.ok(text.includes(`weft_proxy_request_duration_seconds_bucket{${ok200},le="0.0025"} 1\n`));
  assert.ok(text.includes(`weft_proxy_request_duration_seconds_bucket{${ok200},le="0.005"} 2\n`));
  assert.ok(text.includes(`weft_proxy_request_duration_seconds_bucket{${ok200},le="10"} 2\n`));
  assert.ok(text.includes(`weft_proxy_request_duration_seconds_bucket{${ok200},le="+Inf"} 2\n`));
  assert.ok(text.includes(`weft_proxy_request_duration_seconds_sum{${ok200}} 0.0037\n`));
  assert.ok(text.includes(`weft_proxy_request_duration_seconds_count{${ok200}} 2\n`));
  const noResponse = `${labels},response_code="0",response_class="unknown",grpc_status="",authz_result="allowed"`;
  assert.ok(text.includes(`weft_proxy_request_duration_seconds_bucket{${noResponse},le="10"} 0\n`));
  assert.ok(text.includes(`weft_proxy_request_duration_seconds_bucket{${noResponse},le="+Inf"} 1\n`));
  assert.ok(text.includes('response_code="403",response_class="4xx",grpc_status="",authz_result="denied"} 1\n'));
  assert.ok(text.includes('protocol="grpc",response_code="200",response_class="2xx",grpc_status="7",authz_result="denied"} 1\n'));
  // A non-standard grpc-status counts as UNKNOWN (2), keeping the label set closed.
  assert.ok(text.includes('grpc_status="2",authz_result="allowed"} 1\n'));
  assert.ok(text.includes('destination_service="we\\"ird\\\\svc\\nname",protocol="tcp"} 2\n'), 'escaped tcp opened');
  assert.ok(text.includes('weft_proxy_tcp_received_bytes_total{direction="outbound"'));
  assert.ok(text.includes('weft_proxy_tls_handshake_failures_total{direction="inbound",reason="unknown_ca"} 2\n'));
  assert.ok(text.includes('weft_proxy_tls_handshake_failures_total{direction="outbound",reason="bad_identity"} 1\n'));
  assert.ok(text.includes('weft_proxy_authz_decisions_total{result="allowed",policy="app/allow-frontend"} 1\n'));
  assert.ok(text.includes('weft_proxy_authz_decisions_total{result="denied",policy=""} 1\n'));
  for (const name of ['requests_total', 'request_duration_seconds', 'tcp_connections_opened_total', 'tls_handshake_failures_total', 'authz_decisions_total']) {
    assert.ok(text.includes(`# TYPE weft_proxy_${name} `), name);
  }
  assert.ok(text.endsWith('\n'));
});

test('binding the same labels twice gives the same edge; the same combination the same series', () => {
  const m = createProxyMetrics();
  const a = m.bindEdge(inbound);
  const b = m.bindEdge({ ...inbound });
  assert.equal(a, b);
  assert.notEqual(a, m.bindEdge({ ...inbound, sourcePrincipal: '' }));
  const s = a.requestSeries(200, -1, 'allowed');
  assert.equal(a.requestSeries(200, -1, 'allowed'), s);
  assert.notEqual(a.requestSeries(200, 0, 'allowed'), s);
  assert.notEqual(a.requestSeries(200, -1, 'denied'), s);
  assert.notEqual(a.requestSeries(201, -1, 'allowed'), s);
  s.observe(0.5);
  assert.equal(s.count, 1);
  assert.equal(s.sum, 0.5);
});

test('label value escaping', () => {
  assert.equal(escapeLabelValue('plain'), 'plain');
  assert.equal(escapeLabelValue('a"b'), 'a\\"b');
  assert.equal(escapeLabelValue('a\\b'), 'a\\\\b');
  assert.equal(escapeLabelValue('a\nb'), 'a\\nb');
  assert.equal(escapeLabelValue('\\"\n'), '\\\\\\"\\n');
  assert.equal(formatSampleValue(Infinity), '+Inf');
  assert.equal(formatSampleValue(NaN), 'NaN');
  assert.equal(formatSampleValue(3), '3');
});

test('bucket math: values on a bound go in that bucket (le), above the last in +Inf', () => {
  const b = latencyBucketsSeconds;
  assert.equal(bucketIndex(b, 0), 0);
  assert.equal(bucketIndex(b, 0.0005), 0);
  assert.equal(bucketIndex(b, 0.00050001), 1);
  assert.equal(bucketIndex(b, 1), b.indexOf(1));
  assert.equal(bucketIndex(b, 10), b.length - 1);
  assert.equal(bucketIndex(b, 10.001), b.length);
  assert.equal(bucketIndex(b, NaN), b.length);
  assert.equal(bucketIndex(b, -1), 0);
  for (let i = 1; i < b.length; i++) assert.ok((b[i] as number) > (b[i - 1] as number), 'bounds increase');
});

test('every TLS failure reason renders', () => {
  const m = createProxyMetrics();
  for (const r of tlsFailureReasons) m.tlsHandshakeFailure('outbound', r);
  const text = m.render();
  for (const r of tlsFailureReasons) assert.ok(text.includes(`reason="${r}"} 1\n`), r);
});

test('observe puts each value in the bucket bucketIndex names', () => {
  const m = createProxyMetrics();
  const s = m.bindEdge(inbound).requestSeries(200, -1, 'none');
  const values = [0, 0.0005, 0.0006, 0.001, 0.03, 1, 9.99, 10, 11, Infinity];
  for (const v of values) s.observe(v);
  const expected = new Float64Array(latencyBucketsSeconds.length + 1);
  for (const v of values) {
    const i = bucketIndex(latencyBucketsSeconds, v);
    expected[i] = (expected[i] as number) + 1;
  }
  assert.deepEqual([...s.buckets], [...expected]);
  assert.equal(s.count, values.length);
});

test('a NaN or negative duration counts as 0 and keeps the sum finite', () => {
  const s = createProxyMetrics().bindEdge(inbound).requestSeries(200, -1, 'none');
  s.observe(NaN);
  s.observe(-1);
  s.observe(0.25);
  assert.equal(s.count, 3);
  assert.equal(s.sum, 0.25);
  assert.equal(s.buckets[0], 2);
});
