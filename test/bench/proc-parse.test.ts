import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  countTcpSockets,
  parseChildren,
  parseMachineCpu,
  parseProcStat,
  tcpStates,
  vcpu,
} from '../../bench/proc-parse.js';
import { cpuTicks, processTree, rssMb } from '../../bench/proc-sample.js';
import { parseStatusMemory } from '../../src/proxy/memory/status-memory.js';

test('parseProcStat counts fields from the last ")" so odd command names do not shift them', () => {
  // fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
  const line = '4242 (we ird) (name)) S 17 4242 4242 0 -1 4194560 900 0 0 0 1234 567 0 0 20 0 1 0 100 1000000 2000 ...';
  assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 17, utimeTicks: 1234, stimeTicks: 567 });
  assert.equal(parseProcStat('garbage'), undefined);
  assert.equal(parseProcStat('1 (x) S'), undefined);
});

test('the benchmark reads VmRSS and its parts with the sidecar\'s own parser: VmRSS, not VmPeak; undefined when a part is missing', () => {
  const status = 'Name:\tnode\nVmPeak:\t  999 kB\nVmRSS:\t   45120 kB\nRssAnon:\t   20000 kB\nRssFile:\t   25000 kB\nRssShmem:\t     120 kB\n';
  assert.deepEqual(parseStatusMemory(status), { vmRssKb: 45120, rssAnonKb: 20000, rssFileKb: 25000, rssShmemKb: 120 });
  assert.equal(parseStatusMemory('Name:\tkthreadd\n'), undefined);
  assert.equal(parseStatusMemory('Name:\tnode\nVmRSS:\t   45120 kB\n'), undefined);
  assert.equal(parseStatusMemory('RssAnon:\t 1 kB\nRssFile:\t 2 kB\n'), undefined);
});

test('parseChildren splits the children file, empty when there are none', () => {
  assert.deepEqual(parseChildren('123 456 \n'), [123, 456]);
  assert.deepEqual(parseChildren(''), []);
});

test('vcpu is ticks over ticks-per-second over wall time', () => {
  assert.equal(vcpu(95, 100, 10), 0.095);
  assert.ok(Number.isNaN(vcpu(10, 100, 0)));
});

test('parseMachineCpu: busy excludes idle and iowait', () => {
  const stat = 'cpu  100 5 50 1000 20 3 2 10 0 0\ncpu0 50 2 25 500 10 1 1 5 0 0\nintr 1\n';
  assert.deepEqual(parseMachineCpu(stat), { busyTicks: 170, totalTicks: 1190 });
  assert.equal(parseMachineCpu('intr 1\n'), undefined);
});

const netTcp = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:2711 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0',
  '   1: 0100007F:2711 0100007F:C000 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1',
  '   2: 0100007F:C000 0100007F:2711 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1',
  '   3: 0100007F:2711 0100007F:C001 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0 20 4 30 10 -1',
  '   4: 0100007F:C002 0100007F:2711 06 00000000:00000000 03:00000685 00000000     0        0 0 3 0',
  '   5: 0100007F:1F90 0100007F:C003 01 00000000:00000000 00:00000000 00000000     0        0 5 1 0 20 4 30 10 -1',
].join('\n');

test('countTcpSockets counts the server end of connections on a port, and TIME_WAIT on either end', () => {
  // port 0x2711 = 10001: a listener (0A), two established connections (server ends), one TIME_WAIT on the client end.
  assert.equal(countTcpSockets(netTcp, 10001, tcpStates.established), 2);
  assert.equal(countTcpSockets(netTcp, 10001, tcpStates.timeWait), 0);
  assert.equal(countTcpSockets(netTcp, 10001, tcpStates.timeWait, 'any'), 1);
  assert.equal(countTcpSockets(netTcp, 8080, tcpStates.established), 1);
  assert.equal(countTcpSockets('', 10001, tcpStates.established), 0);
});

test('the /proc readers see this very process', () => {
  assert.ok(processTree(process.pid).includes(process.pid));
  assert.ok(cpuTicks(process.pid) >= 0);
  const rss = rssMb(process.pid);
  assert.ok(rss > 1 && rss < 4096, `rss ${rss}`);
  assert.ok(Number.isNaN(rssMb(2 ** 22 + 12345)));
});
