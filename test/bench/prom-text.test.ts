import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sumMetric } from '../../bench/prom-text.js';

const text = `# HELP weft_proxy_requests_total Requests.
# TYPE weft_proxy_requests_total counter
weft_proxy_requests_total{direction="inbound",code="200",path="/a}b"} 1000
weft_proxy_requests_total{direction="inbound",code="403"} 2
weft_proxy_requests_total_extra 99
weft_proxy_up 1
weft_proxy_bad{x="1"} NaN
`;

test('sumMetric adds every label set of one metric and nothing else', () => {
  assert.equal(sumMetric(text, 'weft_proxy_requests_total'), 1002);
  assert.equal(sumMetric(text, 'weft_proxy_up'), 1);
  assert.equal(sumMetric(text, 'weft_proxy_bad'), undefined);
  assert.equal(sumMetric(text, 'weft_proxy_missing'), undefined);
});
