import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '../../core/clock.js';
import { createRegistry, type Registry } from './registry.js';
import { createRegistryPersister, encodeRegistryFile, readRegistryFile, type PersistTimers } from './registry-file.js';

function instance(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { namespace: 'shop', name, serviceAccount: 'web', labels: { app: 'web' }, zone: 'z1', addresses: ['198.18.0.7'], ports: [{ port: 8080, name: 'http', protocol: 'http', dialPort: 16001 }], ...extra };
}

/** Timers run by hand: `fire()` runs what is due (everything pending; the persister keeps one). */
function manualTimers(): PersistTimers & { pending(): number; fire(): void } {
  const timers = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout: (fn) => {
      timers.set(++next, fn);
      return next;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    pending: () => timers.size,
    fire: () => {
      const due = [...timers.values()];
      timers.clear();
      for (const fn of due) fn();
    },
  };
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'weft-registry-file-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function restore(path: string, leaseMs = 1000): { registry: Registry; warnings: readonly string[]; clock: ReturnType<typeof createManualClock> } {
  const clock = createManualClock();
  const registry = createRegistry({ clock, leaseMs, forgetAfterMs: 10_000 });
  const loaded = readRegistryFile(path);
  for (const i of loaded.instances) registry.register(i);
  return { registry, warnings: loaded.warnings, clock };
}

test('round trip: a restored registry shows the same instances (readiness as last shown) as the one saved', () => {
  withDir((dir) => {
    const path = join(dir, 'registry.json');
    const clock = createManualClock();
    const timers = manualTimers();
    const persister = createRegistryPersister({ path, snapshot: () => registry.snapshot(), timers });
    const registry = createRegistry({ clock, leaseMs: 1000, forgetAfterMs: 10_000, onChange: () => persister.changed() });
    registry.register(instance('web-0'));
    registry.register(instance('web-1', { ready: false }));
    registry.register(instance('web-2'));
    clock.advance(600);
    registry.heartbeat('shop', 'web-0');
    registry.heartbeat('shop', 'web-1');
    clock.advance(600);
    registry.expire(); // web-2's lease lapsed: saved as not ready
    assert.equal(timers.pending(), 1, 'all changes share one window');
    timers.fire();
    const saved = registry.snapshot().instances;
    assert.deepEqual(saved.map((i) => [i.name, i.ready]), [['web-0', true], ['web-1', false], ['web-2', false]]);

    const restored = restore(path);
    assert.deepEqual(restored.warnings, []);
    assert.deepEqual(restored.registry.snapshot().instances, saved);
  });
});

test('restored instances get a fresh lease: one whose proxy never comes back lapses after the usual lease', () => {
  withDir((dir) => {
    const path = join(dir, 'registry.json');
    const clock = createManualClock();
    const registry = createRegistry({ clock });
    registry.register(instance('web-0'));
    registry.register(instance('web-1'));
    writeFileSync(path, encodeRegistryFile(registry.snapshot()));

    const restored = restore(path, 1000);
    assert.deepEqual(restored.registry.snapshot().instances.map((i) => i.ready), [true, true]);
    restored.clock.advance(900);
    restored.registry.heartbeat('shop', 'web-0'); // its proxy reconnected
    restored.clock.advance(200);
    restored.registry.expire();
    assert.deepEqual(restored.registry.snapshot().instances.map((i) => [i.name, i.ready]), [['web-0', true], ['web-1', false]]);
  });
});

test('a torn, corrupt or foreign file starts an empty registry with a warning, not a crash', () => {
  withDir((dir) => {
    const path = join(dir, 'registry.json');
    assert.deepEqual(readRegistryFile(path), { instances: [], warnings: [] }, 'no file: empty, no warning');
    const registry = createRegistry({ clock: createManualClock() });
    registry.register(instance('web-0'));
    const full = encodeRegistryFile(registry.snapshot());
    for (const [content, expected] of [
      [full.slice(0, full.length - 7), /torn or corrupt/],
      ['\u0000\u0000garbage', /torn or corrupt/],
      ['', /torn or corrupt/],
      [JSON.stringify({ format: 99, instances: [] }), /not a registry file of format 1/],
      [JSON.stringify([1, 2]), /not a registry file/],
    ] as const) {
      writeFileSync(path, content);
      const loaded = readRegistryFile(path);
      assert.deepEqual(loaded.instances, [], `nothing loaded from ${JSON.stringify(content.slice(0, 20))}`);
      assert.equal(loaded.warnings.length, 1);
      assert.match(loaded.warnings[0]!, expected);
    }
    // Invalid entries are skipped, the valid ones kept.
    writeFileSync(path, JSON.stringify({ format: 1, instances: [instance('web-0'), instance('Bad Name'), 'x'] }));
    const partial = readRegistryFile(path);
    assert.deepEqual(partial.instances.map((i) => i.name), ['web-0']);
    assert.equal(partial.warnings.length, 1);
    assert.match(partial.warnings[0]!, /2 invalid instance\(s\) skipped \(first: name: /);
  });
});

test('bounded: at most maxInstances are written and loaded', () => {
  withDir((dir) => {
    const path = join(dir, 'registry.json');
    const registry = createRegistry({ clock: createManualClock() });
    for (let i = 0; i < 5; i++) registry.register(instance(`web-${i}`));
    writeFileSync(path, encodeRegistryFile(registry.snapshot(), 3));
    assert.equal(readRegistryFile(path).instances.length, 3);
    writeFileSync(path, encodeRegistryFile(registry.snapshot()));
    const loaded = readRegistryFile(path, 2);
    assert.deepEqual(loaded.instances.map((i) => i.name), ['web-0', 'web-1']);
    assert.match(loaded.warnings[0]!, /holds 5 instances; only the first 2/);
  });
});

test('the persister writes once per window, skips unchanged content, reports and retries a failed write, flushes on close', () => {
  const timers = manualTimers();
  const registry = createRegistry({ clock: createManualClock() });
  const writes: string[] = [];
  const errors: string[] = [];
  let fail = false;
  const persister = createRegistryPersister({
    path: '/nowhere/registry.json',
    snapshot: () => registry.snapshot(),
    timers,
    onError: (m) => errors.push(m),
    write: (_path, data) => {
      if (fail) throw new Error('disk full');
      writes.push(data);
    },
  });
  registry.register(instance('web-0'));
  persister.changed();
  persister.changed();
  assert.equal(writes.length, 0, 'nothing before the window ends');
  timers.fire();
  assert.equal(writes.length, 1);
  registry.register(instance('web-0')); // re-registration, same content
  persister.changed();
  timers.fire();
  assert.equal(writes.length, 1, 'same content is not rewritten');
  fail = true;
  registry.register(instance('web-1'));
  persister.changed();
  timers.fire();
  assert.deepEqual(errors, ['cannot write /nowhere/registry.json: disk full']);
  assert.equal(timers.pending(), 1, 'retried after the next window');
  fail = false;
  timers.fire();
  assert.equal(writes.length, 2);
  assert.match(writes[1]!, /web-1/);
  registry.deregister('shop', 'web-0');
  persister.changed();
  persister.close();
  assert.equal(timers.pending(), 0);
  assert.equal(writes.length, 3, 'close writes what is pending');
  assert.doesNotMatch(writes[2]!, /web-0/);
});

test('the real write replaces the file atomically (no temporary file left)', () => {
  withDir((dir) => {
    const path = join(dir, 'registry.json');
    const registry = createRegistry({ clock: createManualClock() });
    const persister = createRegistryPersister({ path, snapshot: () => registry.snapshot(), timers: manualTimers() });
    registry.register(instance('web-0'));
    persister.changed();
    persister.close();
    assert.equal(readFileSync(path, 'utf8'), encodeRegistryFile(registry.snapshot()));
    assert.deepEqual(readRegistryFile(path).instances.map((i) => i.name), ['web-0']);
    assert.deepEqual(readdirSync(dir), ['registry.json']);
  });
});
