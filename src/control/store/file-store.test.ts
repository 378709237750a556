import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createResourceValidator } from '../../api/validate.js';
import { createManualClock } from '../../core/clock.js';
import { openFileStore } from './create-file-store.js';
import { createMemoryStore } from './create-memory-store.js';
import type { ResourceStore } from './resource-store.js';
import { runResourceStoreSuite } from '../../../test/support/store-suite.js';
import { selectorOf, service } from '../../../test/support/resource-fixtures.js';

const validator = createResourceValidator();
const clock = createManualClock(1_700_000_000_000);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'weft-store-'));
}

function openAt(dir: string, compactAfter?: number): ResourceStore {
  const opened = openFileStore({ dir, validator, clock, ...(compactAfter !== undefined ? { compactAfter } : {}) });
  if (!opened.ok) assert.fail(opened.error.message);
  return opened.value.store;
}

runResourceStoreSuite('memory store', () => Promise.resolve({ store: createMemoryStore({ validator, clock }), cleanup: () => Promise.resolve() }));

runResourceStoreSuite('file store', () => {
  const dir = tempDir();
  const store = openAt(dir);
  return Promise.resolve({ store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } });
});

runResourceStoreSuite('file store, compacting every 2 records', () => {
  const dir = tempDir();
  const store = openAt(dir, 2);
  return Promise.resolve({ store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } });
});

test('a reopened store has every resource, its versions and its deletes; the log file is 0600', async () => {
  const dir = tempDir();
  try {
    const store = openAt(dir);
    await store.apply(service('a'));
    await store.apply(service('b'));
    await store.apply(service('a', 'default', { app: 'changed' }));
    await store.delete({ kind: 'Service', namespace: 'default', name: 'b' });
    await store.close();
    assert.equal(statSync(join(dir, 'changes.log')).mode & 0o777, 0o600);
    const again = openAt(dir);
    assert.equal(again.version(), 4);
    const list = await again.list();
    assert.ok(list.ok);
    assert.deepEqual(list.value.items.map((r) => [r.metadata.name, r.metadata.resourceVersion, r.spec]), [['a', '3', { selector: { app: 'changed' }, ports: [{ name: 'http', port: 8080, appProtocol: 'http', protocol: 'TCP' }], type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster' }]]);
    const next = await again.apply(service('c'));
    assert.equal(next.ok ? next.value.resource.metadata.resourceVersion : 'error', '5');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compaction keeps everything, and versions continue after a restart', async () => {
  const dir = tempDir();
  try {
    const store = openAt(dir, 5);
    for (let i = 0; i < 23; i++) await store.apply(service(`s${i % 7}`, 'default', { n: String(i) }));
    await store.close();
    assert.ok(readFileSync(join(dir, 'changes.log'), 'utf8').split('\n').length <= 9, 'the log was compacted');
    const again = openAt(dir, 5);
    assert.equal(again.version(), 23);
    const list = await again.list();
    assert.ok(list.ok);
    assert.equal(list.value.items.length, 7);
    const s1 = await again.get({ kind: 'Service', namespace: 'default', name: 's1' });
    assert.equal(s1.ok ? selectorOf(s1.value)?.['n'] : '', '22');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn last record is cut off on open; a damaged record before good ones is refused', async () => {
  const dir = tempDir();
  try {
    const store = openAt(dir);
    await store.apply(service('a'));
    await store.apply(service('b'));
    await store.close();
    const good = readFileSync(join(dir, 'changes.log'));
    appendFileSync(join(dir, 'changes.log'), '1234abcd {"version":3,"op":"put","reso');
    const opened = openFileStore({ dir, validator, clock });
    assert.ok(opened.ok);
    assert.equal(opened.value.repairedTornWrite, true);
    assert.equal(opened.value.store.version(), 2);
    await opened.value.store.apply(service('c'));
    await opened.value.store.close();
    assert.equal(openAt(dir).version(), 3);
    // Damage the first record: that is not a torn write, and opening must say so rather than drop data.
    const damaged = Buffer.from(good);
    damaged[20] = damaged[20] === 0x61 ? 0x62 : 0x61;
    writeFileSync(join(dir, 'changes.log'), Buffer.concat([damaged, readFileSync(join(dir, 'changes.log')).subarray(good.length)]));
    const refused = openFileStore({ dir, validator, clock });
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'WEFT_STORE_CORRUPT');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a watch from a version older than the remembered history is refused as expired', async () => {
  const store = createMemoryStore({ validator, clock, historyLimit: 3 });
  for (let i = 0; i < 6; i++) await store.apply(service(`s${i}`));
  const old = await store.watch(1, () => undefined);
  assert.equal(old.ok ? 'ok' : old.error.code, 'WEFT_STORE_VERSION_EXPIRED');
  const names: string[] = [];
  const recent = await store.watch(3, (e) => names.push(e.resource.metadata.name));
  assert.ok(recent.ok);
  assert.deepEqual(names, ['s3', 's4', 's5']);
});

test('kill -9 of a writing process loses no acknowledged write', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  try {
    const child = fileURLToPath(new URL('../../../test/support/store-writer-child.js', import.meta.url));
    const proc = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastAck = -1;
    let buffered = '';
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 300 acks in time; stderr: ${stderr}`)), 20_000);
      proc.stdout.on('data', (c: Buffer) => {
        buffered += c.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) lastAck = Number(line.slice(4));
        if (lastAck >= 300) {
          clearTimeout(timer);
          proc.kill('SIGKILL');
          resolve();
        }
      });
      proc.on('exit', () => { clearTimeout(timer); resolve(); });
    });
    assert.equal(await exited, 'SIGKILL', stderr);
    const store = openAt(dir, 64);
    for (let i = 0; i <= lastAck; i++) {
      const got = await store.get({ kind: 'Service', namespace: 'default', name: `s${i}` });
      assert.ok(got.ok, `acknowledged write s${i} is missing after kill -9 (last ack ${lastAck})`);
      assert.equal(selectorOf(got.value)?.['app'], `v${i}`);
    }
    const counter = await store.get({ kind: 'Service', namespace: 'default', name: 'counter' });
    assert.ok(counter.ok);
    assert.ok(Number(selectorOf(counter.value)?.['n']) >= lastAck, 'the counter went back');
    // Every version is accounted for: two writes per iteration, each a new version.
    assert.ok(store.version() >= 2 * (lastAck + 1));
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
