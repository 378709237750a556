import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createAccessLogFormatter, type AccessLogEntry } from './access-log.js';
import { maxEncodedBytes } from './access-log-encoder.js';

/** The plain way to write a line: an object in field order through JSON.stringify. */
function reference(e: AccessLogEntry): string {
  const time = Number.isFinite(e.startTime) && Math.abs(e.startTime) <= 8.64e15 ? new Date(e.startTime).toISOString() : undefined;
  return `${JSON.stringify({
    time, direction: e.direction, protocol: e.protocol, method: e.method, path: e.path, authority: e.authority,
    status: e.status, grpc_status: e.grpcStatus, duration_ms: Math.round(e.durationMs * 1000) / 1000,
    bytes_in: e.bytesIn, bytes_out: e.bytesOut, source_principal: e.sourcePrincipal, source_address: e.sourceAddress,
    destination_service: e.destinationService, destination_workload: e.destinationWorkload,
    destination_namespace: e.destinationNamespace, destination_principal: e.destinationPrincipal,
    upstream_address: e.upstreamAddress, authz: e.authz, authz_policy: e.authzPolicy, trace_id: e.traceId, error: e.error,
  })}\n`;
}

// Strings with quotes, backslashes, control characters, lone surrogates and astral characters.
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\n', '\u0000', '\ud800', '😀', '/a?b=c'));
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0));
const time = fc.oneof(fc.integer({ min: 0, max: 4102444800000 }), fc.double(), fc.constantFrom(-1, 8.64e15, 8.64e15 + 1, 1e17, 253402300800000));
const entry: fc.Arbitrary<AccessLogEntry> = fc.record({
  startTime: time,
  direction: fc.constantFrom('inbound' as const, 'outbound' as const),
  protocol: fc.constantFrom('http' as const, 'grpc' as const, 'tcp' as const),
  method: maybe(text), path: maybe(text), authority: maybe(text),
  status: maybe(number), grpcStatus: maybe(number),
  durationMs: number, bytesIn: number, bytesOut: number,
  sourcePrincipal: maybe(text), sourceAddress: maybe(text), destinationService: maybe(text),
  destinationWorkload: maybe(text), destinationNamespace: maybe(text), destinationPrincipal: maybe(text),
  upstreamAddress: maybe(text), authz: maybe(fc.constantFrom('allowed' as const, 'denied' as const, 'none' as const)),
  authzPolicy: maybe(text), traceId: maybe(text), error: maybe(text),
});

test('formatted lines are exactly what JSON.stringify gives for the same fields', () => {
  fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), (entries) => {
    // One formatter across entries, as a log uses it: its per-second time cache must not leak between them.
    const format = createAccessLogFormatter();
    for (const e of entries) {
      const line = format(e);
      assert.equal(line, reference(e));
      // The log encodes into a buffer sized by this bound: a line longer than it would be cut short.
      assert.ok(Buffer.byteLength(line, 'utf8') <= maxEncodedBytes(e), 'within the encoder bound');
    }
  }), { seed: 20261122, numRuns: 2000 });
});

test('times within one second and across seconds keep their own milliseconds', () => {
  const format = createAccessLogFormatter();
  const base = Date.UTC(2026, 10, 22, 2, 38, 55);
  for (const ms of [base, base + 7, base + 42, base + 999, base + 1000, base + 1001, base - 1, base + 0.5]) {
    const e: AccessLogEntry = { startTime: ms, direction: 'inbound', protocol: 'tcp', durationMs: 1, bytesIn: 0, bytesOut: 0 };
    assert.equal(format(e), reference(e), String(ms));
  }
});

test('durations: every microsecond value is written as JSON.stringify writes it', () => {
  const format = createAccessLogFormatter();
  const check = (durationMs: number): void => {
    const e: AccessLogEntry = { startTime: 0, direction: 'inbound', protocol: 'http', durationMs, bytesIn: 0, bytesOut: 0 };
    assert.equal(format(e), reference(e), String(durationMs));
  };
  for (let us = 0; us <= 20_000; us++) check(us / 1000);
  for (const ms of [0.0004, 0.0005, 0.0015, 999.9995, 1e9 - 0.0001, 1e9, 1e12, -0, -0.0004, -1.5, 1.0000000001, 123.4564999]) check(ms);
  fc.assert(fc.property(fc.double({ min: 0, max: 2e9, noNaN: true }), (ms) => check(ms)), { seed: 7, numRuns: 5000 });
});
