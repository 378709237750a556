import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccessLog, disabledAccessLog, formatAccessLogLine, type AccessLogEntry, type FlushTimers } from './access-log.js';

const entry: AccessLogEntry = {
  startTime: Date.UTC(2026, 10, 22, 1, 2, 3, 456),
  direction: 'inbound',
  protocol: 'http',
  method: 'GET',
  path: '/a"b\\c\nd?q=1',
  authority: 'api.app',
  status: 200,
  durationMs: 1.23456,
  bytesIn: 10,
  bytesOut: 2048,
  sourcePrincipal: 'spiffe://weft.test/ns/web/sa/fe',
  authz: 'allowed',
  authzPolicy: 'app/allow',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

/** Timers driven by hand: `fire()` runs the pending callback. */
function manualTimers(): FlushTimers & { fire(): void; readonly pending: number } {
  let next: (() => void) | undefined;
  let pending = 0;
  return {
    set(cb) {
      next = cb;
      pending++;
      return pending;
    },
    clear() {
      next = undefined;
    },
    fire() {
      const cb = next;
      next = undefined;
      cb?.();
    },
    get pending() {
      return next === undefined ? 0 : 1;
    },
  };
}

function sink(blockAfter = Infinity) {
  const writes: string[] = [];
  let drain: (() => void) | undefined;
  return {
    writes,
    write(chunk: Buffer): boolean {
      writes.push(chunk.toString('utf8'));
      return writes.length < blockAfter;
    },
    once(_event: 'drain', listener: () => void) {
      drain = listener;
    },
    drain() {
      const d = drain;
      drain = undefined;
      d?.();
    },
  };
}

test('a line is one JSON object with fixed field names, escaped, absent fields omitted', () => {
  const line = formatAccessLogLine(entry);
  assert.ok(line.endsWith('}\n'));
  assert.equal(line.indexOf('\n'), line.length - 1, 'one line');
  const parsed = JSON.parse(line);
  assert.deepEqual(parsed, {
    time: '2026-11-22T01:02:03.456Z',
    direction: 'inbound',
    protocol: 'http',
    method: 'GET',
    path: '/a"b\\c\nd?q=1',
    authority: 'api.app',
    status: 200,
    duration_ms: 1.235,
    bytes_in: 10,
    bytes_out: 2048,
    source_principal: 'spiffe://weft.test/ns/web/sa/fe',
    authz: 'allowed',
    authz_policy: 'app/allow',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  });
  const tcp = JSON.parse(formatAccessLogLine({ startTime: 0, direction: 'outbound', protocol: 'tcp', durationMs: 5, bytesIn: 1, bytesOut: 2 }));
  assert.deepEqual(Object.keys(tcp as object), ['time', 'direction', 'protocol', 'duration_ms', 'bytes_in', 'bytes_out']);
});

test('lines are batched and written on the timer, not per request', () => {
  const timers = manualTimers();
  const out = sink();
  const log = createAccessLog({ sink: out, timers, flushIntervalMs: 500 });
  assert.equal(log.enabled, true);
  log.log(entry);
  log.log(entry);
  log.log(entry);
  assert.equal(out.writes.length, 0);
  assert.equal(timers.pending, 1);
  timers.fire();
  assert.equal(out.writes.length, 1);
  assert.equal(out.writes[0]?.split('\n').length, 4, 'three lines in one write');
  timers.fire();
  assert.equal(out.writes.length, 1, 'nothing more to write');
});

test('a full batch is written at once; flush and close write the rest', () => {
  const timers = manualTimers();
  const out = sink();
  const size = formatAccessLogLine(entry).length;
  const log = createAccessLog({ sink: out, timers, maxBufferBytes: size * 2, formatBatch: 1 });
  log.log(entry);
  assert.equal(out.writes.length, 0);
  log.log(entry);
  assert.equal(out.writes.length, 1);
  assert.equal(timers.pending, 0, 'timer disarmed after a size flush');
  log.log(entry);
  log.flush();
  assert.equal(out.writes.length, 2);
  log.log(entry);
  log.close();
  assert.equal(out.writes.length, 3);
  log.log(entry);
  log.flush();
  assert.equal(out.writes.length, 3, 'closed log ignores lines');
});

test('backpressure: waits for drain, then drops past the pending limit and counts drops', () => {
  const timers = manualTimers();
  const out = sink(1);
  const size = formatAccessLogLine(entry).length;
  const log = createAccessLog({ sink: out, timers, maxBufferBytes: 1, maxPendingBytes: size * 2, formatBatch: 1 });
  log.log(entry); // written; the sink reports it is full
  assert.equal(out.writes.length, 1);
  log.log(entry);
  log.log(entry);
  log.log(entry); // over the pending limit
  assert.equal(out.writes.length, 1);
  assert.equal(log.dropped, 1);
  out.drain();
  assert.equal(out.writes.length, 2);
  assert.equal(out.writes[1]?.split('\n').length, 3, 'the two pending lines in one write');
});

test('the disabled log does nothing', () => {
  assert.equal(disabledAccessLog.enabled, false);
  disabledAccessLog.log(entry);
  disabledAccessLog.flush();
  disabledAccessLog.close();
  assert.equal(disabledAccessLog.dropped, 0);
});

test('close while the sink is blocked still writes what is pending, and nothing after', () => {
  const timers = manualTimers();
  const out = sink(1);
  const log = createAccessLog({ sink: out, timers, maxBufferBytes: 1, formatBatch: 1 });
  log.log(entry); // written; the sink is now blocked
  log.log(entry);
  log.log(entry);
  assert.equal(out.writes.length, 1);
  log.close();
  assert.equal(out.writes.length, 2);
  assert.equal(out.writes[1]?.split('\n').length, 3);
  out.drain();
  assert.equal(out.writes.length, 2, 'a late drain writes nothing after close');
});

test('entries are formatted in runs of formatBatch, in order; the timer, flush, close and drain take a short run too', () => {
  const timers = manualTimers();
  const out = sink();
  const log = createAccessLog({ sink: out, timers, maxBufferBytes: 1, formatBatch: 3 });
  const paths = (w: string | undefined): string[] => (w ?? '').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { path: string }).path);
  log.log({ ...entry, path: '/1' });
  log.log({ ...entry, path: '/2' });
  assert.equal(out.writes.length, 0, 'a full buffer is only noticed once the run is formatted');
  assert.equal(timers.pending, 1, 'the first waiting entry arms the timer');
  log.log({ ...entry, path: '/3' });
  assert.deepEqual(out.writes.map(paths), [['/1', '/2', '/3']], 'the third entry formats the run: one write');
  log.log({ ...entry, path: '/4' });
  timers.fire();
  assert.deepEqual(out.writes.map(paths).slice(1), [['/4']], 'the timer writes a short run');
  log.log({ ...entry, path: '/5' });
  log.flush();
  log.log({ ...entry, path: '/6' });
  log.close();
  assert.deepEqual(out.writes.map(paths).slice(2), [['/5'], ['/6']], 'flush and close write short runs');

  const blockedOut = sink(1);
  const blockedLog = createAccessLog({ sink: blockedOut, timers: manualTimers(), maxBufferBytes: 1, formatBatch: 2 });
  blockedLog.log({ ...entry, path: '/a' });
  blockedLog.log({ ...entry, path: '/b' }); // written; the sink is now blocked
  blockedLog.log({ ...entry, path: '/c' });
  blockedOut.drain();
  assert.deepEqual(blockedOut.writes.map(paths), [['/a', '/b'], ['/c']], 'a drain writes the waiting entry');
});
