import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatusMemory } from './status-memory.js';

// An excerpt of a real /proc/self/status of a small node program (Linux 6.18).
const status = `Name:\tnode
Umask:\t0022
State:\tR (running)
VmPeak:\t  728452 kB
VmSize:\t  728236 kB
VmLck:\t       0 kB
VmPin:\t       0 kB
VmHWM:\t   40576 kB
VmRSS:\t   40576 kB
RssAnon:\t    6344 kB
RssFile:\t   34232 kB
RssShmem:\t       0 kB
VmData:\t   48604 kB
VmSwap:\t       0 kB
Threads:\t7
`;

test('reads VmRSS, RssAnon, RssFile and RssShmem in kB', () => {
  assert.deepEqual(parseStatusMemory(status), { vmRssKb: 40576, rssAnonKb: 6344, rssFileKb: 34232, rssShmemKb: 0 });
});

test('undefined when a figure is missing or not in kB', () => {
  assert.equal(parseStatusMemory(status.replace(/^RssFile:.*\n/m, '')), undefined);
  assert.equal(parseStatusMemory(status.replace('34232 kB', '34232 pages')), undefined);
  assert.equal(parseStatusMemory(''), undefined);
});
