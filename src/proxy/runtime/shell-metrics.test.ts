import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createShellMetrics } from './shell-metrics.js';

test('bound series are reused, rendered with HELP/TYPE and escaped labels, and listed in JSON', () => {
  const m = createShellMetrics();
  const s = m.upstreamFailures.bind(['outbound', 'no_endpoint']);
  s.value += 2;
  m.upstreamFailures.inc(['outbound', 'no_endpoint']);
  m.unexpectedErrors.inc(['a "quoted"\nplace']);
  m.tcpClosedByPolicy.inc([]);
  const text = m.render();
  assert.match(text, /# TYPE weft_proxy_upstream_failures_total counter\n/);
  assert.match(text, /weft_proxy_upstream_failures_total\{direction="outbound",reason="no_endpoint"\} 3\n/);
  assert.match(text, /weft_proxy_unexpected_errors_total\{where="a \\"quoted\\"\\nplace"\} 1\n/);
  assert.match(text, /weft_proxy_tcp_closed_by_policy_total 1\n/);
  assert.equal(m.toJson()['weft_proxy_upstream_failures_total']?.['outbound,no_endpoint'], 3);
});
