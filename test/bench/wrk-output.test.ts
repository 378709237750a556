import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWrkOutput, wrkDurationMs } from '../../bench/wrk-output.js';

const report = `Running 10s test @ http://127.0.0.1:41347/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   763.21us    1.02ms  25.60ms   95.12%
    Req/Sec     8.10k   512.33     9.01k    71.00%
  Latency Distribution
     50%  735.00us
     75%    0.90ms
     90%    1.10ms
     99%   25.60ms
  161030 requests in 10.00s, 183.92MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  16103.00
Transfer/sec:     18.39MB
`;

test('parseWrkOutput reads throughput, percentiles and errors', () => {
  const r = parseWrkOutput(report);
  assert.ok(r);
  assert.equal(r.requestsPerSecond, 16103);
  assert.equal(r.requests, 161030);
  assert.equal(r.p50Ms, 0.735);
  assert.equal(r.p99Ms, 25.6);
  assert.equal(r.socketErrors, 3);
  assert.equal(r.non2xx, 4);
});

test('a clean report has zero errors; a failed run has no result', () => {
  const clean = report.replace(/^\s+Socket errors.*\n/m, '').replace(/^\s+Non-2xx.*\n/m, '');
  const r = parseWrkOutput(clean);
  assert.equal(r?.socketErrors, 0);
  assert.equal(r?.non2xx, 0);
  assert.equal(parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n'), undefined);
});

test('wrkDurationMs converts wrk units', () => {
  assert.equal(wrkDurationMs('212.00us'), 0.212);
  assert.equal(wrkDurationMs('3.47ms'), 3.47);
  assert.equal(wrkDurationMs('1.02s'), 1020);
  assert.ok(Number.isNaN(wrkDurationMs('12 parsecs')));
});
