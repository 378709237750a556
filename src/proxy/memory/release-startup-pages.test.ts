import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { loadMemoryTrim, releaseLogFields, releaseStartupPages, type MemoryTrimAddon } from './release-startup-pages.js';

const EINVAL = 22;
const ENOMEM = 12;

function addon(): MemoryTrimAddon {
  const r = loadMemoryTrim();
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

test('where the addon cannot load, WEFT_RUNTIME_UNAVAILABLE says why', () => {
  const other = loadMemoryTrim({ platform: 'darwin' });
  assert.ok(!other.ok && other.error.code === 'WEFT_RUNTIME_UNAVAILABLE' && other.error.message.includes('darwin'));
  const missing = releaseStartupPages({ addonPath: '/nonexistent/memory_trim.node' });
  assert.ok(!missing.ok && missing.error.code === 'WEFT_RUNTIME_UNAVAILABLE' && missing.error.message.includes('npm run build'));
});

test('adviseDontNeed checks its arguments in C and returns EINVAL instead of crashing', () => {
  const a = addon();
  const call = (...args: unknown[]): number => (a.adviseDontNeed as (...x: unknown[]) => number)(...args);
  assert.equal(call(), EINVAL);
  assert.equal(call(4096n), EINVAL);
  assert.equal(call(4096, 4096), EINVAL, 'numbers, not bigints');
  assert.equal(call('4096', 4096n), EINVAL);
  assert.equal(call(0n, 4096n), EINVAL, 'address 0');
  assert.equal(call(4097n, 4096n), EINVAL, 'unaligned start');
  assert.equal(call(8192n, 100n), EINVAL, 'unaligned length');
  assert.equal(call(8192n, 0n), EINVAL, 'empty');
  assert.equal(call(-4096n, 4096n), EINVAL, 'negative');
  assert.equal(call(2n ** 64n, 4096n), EINVAL, 'more than 64 bits');
  assert.equal(call(0xfffffffffffff000n, 0x2000n), EINVAL, 'wraps around');
  // Well-formed but nothing is mapped there: the kernel's own answer comes back.
  assert.equal(call(4096n, 4096n), ENOMEM);
  assert.ok([0, 1].includes(a.mallocTrim()));
});

test('releasing the start-up pages of this very process lowers its RssFile, and it keeps running', () => {
  const r = releaseStartupPages();
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const { before, after, ranges, failed, droppedRssKb } = r.value;
  assert.ok(ranges > 0, `${ranges} ranges`);
  assert.equal(failed, 0);
  assert.ok(after.rssFileKb < before.rssFileKb - 5 * 1024, `RssFile ${before.rssFileKb} → ${after.rssFileKb} kB`);
  assert.ok(droppedRssKb >= before.rssFileKb - after.rssFileKb - 1024, `${droppedRssKb} kB dropped`);
  // Code, read-only data and libraries fault back in from the file.
  assert.equal(createHash('sha256').update('weft').digest('hex').length, 64);
  assert.deepEqual(JSON.parse(JSON.stringify({ a: [1, 2n.toString()] })), { a: [1, '2'] });
  const fields = releaseLogFields(r.value);
  assert.equal(fields['rssFileMbBefore'], Math.round(before.rssFileKb / 102.4) / 10);
  assert.ok(typeof fields['rssAnonMbAfter'] === 'number');
});
