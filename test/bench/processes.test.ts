import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProcessRegistry, freePort, runBounded, waitForPort } from '../../bench/processes.js';
import { createServer } from 'node:net';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('the registry stops what it started by PID, children included', async () => {
  const reg = createProcessRegistry();
  // A shell that starts a child and waits: stopping the shell must not leave the child behind.
  const s = reg.start('sh', 'sh', ['-c', 'sleep 30 & wait']);
  const deadline = Date.now() + 5000;
  let child: number | undefined;
  while (child === undefined && Date.now() < deadline) {
    const { readFileSync } = await import('node:fs');
    try {
      const kids = readFileSync(`/proc/${s.pid}/task/${s.pid}/children`, 'utf8').trim();
      if (kids.length > 0) child = Number(kids.split(/\s+/)[0]);
    } catch {
      // not there yet
    }
    if (child === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(child !== undefined, 'the shell started its child');
  assert.deepEqual(reg.running(), [s.pid]);
  await reg.stopAll();
  assert.equal(isAlive(s.pid), false);
  const gone = Date.now() + 5000;
  while (isAlive(child) && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
  assert.equal(isAlive(child), false, 'the child was stopped too');
  assert.deepEqual(reg.running(), []);
});

test('runBounded kills a command that outlives its bound', async () => {
  const t0 = Date.now();
  const r = await runBounded('sleep', ['30'], 200);
  assert.equal(r.timedOut, true);
  assert.ok(Date.now() - t0 < 5000);
  const ok = await runBounded('sh', ['-c', 'echo one; echo two'], 5000);
  assert.equal(ok.timedOut, false);
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, 'one\ntwo\n');
});

test('runBounded hands over stdout line by line and the child pid', async () => {
  const lines: string[] = [];
  let pid = 0;
  await runBounded('sh', ['-c', 'printf "a\\nb"; sleep 0.05; printf "c\\n"'], 5000, (l) => lines.push(l), (p) => (pid = p));
  assert.deepEqual(lines, ['a', 'bc']);
  assert.ok(pid > 0);
});

test('freePort and waitForPort', async () => {
  const port = await freePort();
  assert.ok(port > 0);
  await assert.rejects(waitForPort(port, 100), /nothing listens/);
  const srv = createServer().listen(port, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  await waitForPort(port, 2000);
  await new Promise((r) => srv.close(r));
});
