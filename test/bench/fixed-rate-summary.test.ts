import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionPeriodMs, isLoopbackHost, scheduledAt, summarizeFixedRate } from '../../bench/fixed-rate-summary.js';

test('the loopback guard admits 127.0.0.0/8, ::1 and localhost only', () => {
  for (const h of ['127.0.0.1', '127.255.3.4', 'localhost', '::1', '[::1]']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['10.0.0.1', '128.0.0.1', '127.0.0.256', 'example.com', '0.0.0.0', '127.0.0', '1270.0.0.1']) assert.ok(!isLoopbackHost(h), h);
});

test('16 connections share 1,000 req/s: each sends every 16 ms from its own offset', () => {
  const period = connectionPeriodMs(1000, 16);
  assert.equal(period, 16);
  assert.equal(scheduledAt(3.5, period, 0), 3.5);
  assert.equal(scheduledAt(3.5, period, 10), 163.5);
});

test('summarizeFixedRate: percentiles, achieved rate, and the CO-corrected tail', () => {
  const lat = Array.from({ length: 1000 }, (_, i) => (i + 1) / 1000); // 0.001..1 ms
  const co = lat.map((x, i) => (i === 999 ? x + 50 : x));
  const r = summarizeFixedRate({ targetRps: 1000, connections: 16, seconds: 1, errors: 0, non2xx: 2 }, [...lat].reverse(), co);
  assert.equal(r.measured, 1000);
  assert.equal(r.achievedRps, 1000);
  assert.equal(r.p50Ms, 0.501);
  assert.equal(r.p90Ms, 0.901);
  assert.equal(r.p99Ms, 0.991);
  assert.equal(r.maxMs, 1);
  assert.equal(r.coP99Ms, 0.991);
  assert.equal(r.non2xx, 2);
  const empty = summarizeFixedRate({ targetRps: 1000, connections: 16, seconds: 1, errors: 5, non2xx: 0 }, [], []);
  assert.equal(empty.measured, 0);
  assert.ok(Number.isNaN(empty.p99Ms));
});
