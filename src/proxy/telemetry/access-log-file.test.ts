import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccessLog, createSystemFlushTimers, type AccessLogSink } from './access-log.js';

test('access log to a real file: batched writes, every line valid JSON, timer flush with real timers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-access-log-'));
  try {
    const file = join(dir, 'access.log');
    const stream = createWriteStream(file);
    let writes = 0;
    let firstWrite: (() => void) | undefined;
    const wrote = new Promise<void>((resolve) => (firstWrite = resolve));
    const sink: AccessLogSink = {
      write(chunk: Buffer): boolean {
        writes++;
        firstWrite?.();
        return stream.write(chunk);
      },
      once(event: 'drain', listener: () => void) {
        return stream.once(event, listener);
      },
    };
    const log = createAccessLog({ sink, timers: createSystemFlushTimers(), flushIntervalMs: 5, maxBufferBytes: 16 * 1024 });
    // One line, flushed by the real timer.
    log.log({ startTime: 0, direction: 'inbound', protocol: 'tcp', durationMs: 1, bytesIn: 1, bytesOut: 1 });
    // The flush timer is unref'd (it must not keep a proxy alive), so a ref'd guard keeps the test running.
    let guard: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([wrote, new Promise((_, reject) => (guard = setTimeout(() => reject(new Error('timer flush did not happen')), 5000)))]);
    clearTimeout(guard);
    assert.equal(writes, 1);
    for (let i = 0; i < 2000; i++) {
      log.log({ startTime: 1_700_000_000_000 + i, direction: 'outbound', protocol: 'http', method: 'GET', path: `/item/${i}?q="x"`, status: 200, durationMs: i / 7, bytesIn: i, bytesOut: 2 * i });
    }
    log.close();
    stream.end();
    await once(stream, 'finish');
    const lines = (await readFile(file, 'utf8')).split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines.length, 2001);
    lines.forEach((l, i) => {
      const o = JSON.parse(l) as { bytes_in: number; path?: string };
      if (i > 0) {
        assert.equal(o.bytes_in, i - 1);
        assert.equal(o.path, `/item/${i - 1}?q="x"`);
      }
    });
    assert.ok(writes < 2001 / 10, `batched: ${writes} writes for 2001 lines`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
