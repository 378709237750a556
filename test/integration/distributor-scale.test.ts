// The distributor at the scale of issue 3's benchmark, in process (no sockets: the bench measures
// the streams): 1,000 Services in 10 namespaces, 10,000 registered instances, 1,000 connected
// proxies, each message encoded as the server encodes it. Checks what is sent (patches carrying
// only what changed, small; every proxy ends on the latest version) and prints the times and sizes
// as diagnostics (no timed assertion). Profile it with:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/test/integration/distributor-scale.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResourceValidator } from '../../src/api/validate.js';
import { createManualClock } from '../../src/core/clock.js';
import { createDistributor, type ProxyConnection, type ProxySession, type Timers } from '../../src/control/distributor/distributor.js';
import { createMessageEncoder } from '../../src/control/distributor/encode-message.js';
import { createSnapshotCompiler } from '../../src/control/compiler/compile-proxy-snapshots.js';
import { createWorldSnapshot } from '../../src/control/compiler/world-snapshot.js';
import type { ControlMessage } from '../../src/control/distributor/stream-messages.js';
import { createRegistry } from '../../src/control/registry/registry.js';
import { createMemoryStore } from '../../src/control/store/create-memory-store.js';
import { applySnapshotPatch } from '../../src/proxy/control-stream/apply-snapshot-patch.js';
import type { ProxySnapshot } from '../../src/proxy/snapshot/proxy-snapshot.js';
import { allowPolicy, service, workload } from '../support/resource-fixtures.js';

const services = 1000;
const namespaces = 10;
const replicas = 10; // 10,000 instances
const connectedPerService = 1; // 1,000 proxies
const decodeEvery = 50; // proxies whose stream is decoded and applied, to check content (decoding 1,000 x 1.2 MiB is the bench's job)

const idleTimers: Timers = {
  setTimeout: () => 0,
  clearTimeout: () => undefined,
  setInterval: () => 0,
  clearInterval: () => undefined,
};

interface Proxy {
  readonly key: string;
  readonly session: ProxySession;
  readonly lines: { type: string; bytes: number }[];
  current?: ProxySnapshot;
}

const ns = (i: number): string => `ns-${i % namespaces}`;

test('1,000 services, 10,000 instances, 1,000 proxies: full snapshots once, then small patches; all end on the latest version', async (t) => {
  const clock = createManualClock();
  const store = createMemoryStore({ validator: createResourceValidator(), clock });
  for (let i = 0; i < services; i++) {
    assert.ok((await store.apply(service(`svc-${i}`, ns(i), { app: `svc-${i}` }, 8080))).ok);
    assert.ok((await store.apply(allowPolicy(`allow-${i}`, ns(i), { app: `svc-${i}` }, [`spiffe://cluster.local/ns/${ns(i)}/sa/client`]))).ok);
  }
  // Half of the services' Workloads declare what they call: their proxies get 3 Services, not 1,000.
  for (let i = 0; i < services; i += 2) {
    assert.ok((await store.apply(workload(`svc-${i}`, ns(i), { app: `svc-${i}` }, { reachableServices: [`svc-${(i + 10) % services}`, `svc-${(i + 1) % services}.${ns(i + 1)}`, `svc-${(i + 3) % services}.${ns(i + 3)}`] }))).ok);
  }
  const registry = createRegistry({ clock });
  const distributor = createDistributor({ store, registry, timers: idleTimers });
  assert.ok((await distributor.start()).ok);
  const registration = (i: number, j: number): Record<string, unknown> => ({
    namespace: ns(i), name: `svc-${i}-${j}`, workload: `svc-${i}`, serviceAccount: `svc-${i}`, labels: { app: `svc-${i}` },
    addresses: [`10.${(i >> 8) & 255}.${i & 255}.${j + 1}`], ports: [{ port: 8080, protocol: 'http' }],
  });
  for (let i = 0; i < services; i++) for (let j = connectedPerService; j < replicas; j++) assert.ok(registry.register(registration(i, j)).ok);

  const encoder = createMessageEncoder();
  const proxies: Proxy[] = [];
  for (let i = 0; i < services; i++) {
    const decode = i % decodeEvery === 0;
    const proxy: Proxy = { key: `${ns(i)}/svc-${i}-0`, session: undefined as unknown as ProxySession, lines: [] };
    const connection: ProxyConnection = {
      send(message: ControlMessage) {
        const chunks = encoder.encodeChunks(message); // as the server writes them
        proxy.lines.push({ type: message.type, bytes: chunks.reduce((n, c) => n + c.length, 0) });
        if (!decode) return;
        const wire = JSON.parse(Buffer.concat(chunks).toString()) as ControlMessage;
        if (wire.type === 'snapshot') proxy.current = wire.snapshot;
        else if (wire.type === 'patch') {
          assert.ok(proxy.current !== undefined);
          const applied = applySnapshotPatch(proxy.current, wire);
          assert.ok(applied.ok, applied.ok ? '' : applied.error);
          proxy.current = applied.value;
        }
      },
      close: (code) => assert.fail(`closed ${code}`),
    };
    Object.assign(proxy, { session: distributor.connect(`spiffe://cluster.local/ns/${ns(i)}/sa/svc-${i}`, connection) });
    proxies.push(proxy);
  }

  const round = (label: string, change: () => void | Promise<void>): Promise<{ messages: number; patches: number; bytes: number; largest: number }> => {
    const marks = proxies.map((p) => p.lines.length);
    return (async () => {
      await change();
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      distributor.flush();
      const cpu = process.cpuUsage(cpuBefore);
      const ms = performance.now() - started;
      const sent = proxies.flatMap((p, i) => p.lines.slice(marks[i]));
      const stats = { messages: sent.length, patches: sent.filter((l) => l.type === 'patch').length, bytes: sent.reduce((a, l) => a + l.bytes, 0), largest: Math.max(0, ...sent.map((l) => l.bytes)) };
      t.diagnostic(`${label}: compile+diff+encode ${ms.toFixed(0)} ms (CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms); ${stats.messages} messages (${stats.patches} patches), ${(stats.bytes / 1048576).toFixed(2)} MiB, largest ${stats.largest} B`);
      return stats;
    })();
  };
  const ackAll = (): void => {
    for (const p of proxies) p.session.receive({ type: 'ack', version: distributor.snapshotOf(p.key)?.version ?? '' });
  };
  const checkDecoded = (): void => {
    for (const p of proxies) if (p.current !== undefined) assert.deepEqual(p.current, distributor.snapshotOf(p.key), p.key);
  };

  const initial = await round('connect (1,000 hellos)', () => {
    proxies.forEach((p, i) => p.session.receive({ type: 'hello', registration: registration(i, 0) }));
  });
  assert.equal(initial.messages, services);
  assert.equal(initial.patches, 0, 'a full snapshot on connect');
  const scoped = proxies[0]!.lines[0]!.bytes;
  const everything = proxies[1]!.lines[0]!.bytes;
  t.diagnostic(`snapshot sizes: with reachableServices (3 services) ${scoped} B, without (1,000 services) ${everything} B`);
  assert.ok(scoped < 10_000 && everything > 500_000, `${scoped} / ${everything}`);
  checkDecoded();
  ackAll();

  // An endpoint flips: only proxies that can reach svc-5 hear of it, each with one service.
  const flip = await round('one endpoint not ready', () => {
    assert.ok(registry.setReady(ns(5), 'svc-5-3', false));
  });
  assert.equal(flip.patches, flip.messages);
  assert.ok(flip.messages >= 500 && flip.messages < 520, `${flip.messages} proxies told`);
  assert.ok(flip.largest < 2000, `an endpoint patch of ${flip.largest} B`);
  checkDecoded();
  ackAll();

  const registered = await round('one endpoint registered', () => {
    assert.ok(registry.register(registration(7, replicas)).ok);
  });
  assert.equal(registered.patches, registered.messages);
  assert.ok(registered.largest < 2000);
  const gone = await round('it deregistered', () => {
    assert.ok(registry.deregister(ns(7), `svc-7-${replicas}`));
  });
  assert.equal(gone.patches, gone.messages);
  checkDecoded();
  ackAll();

  const policy = await round('a policy change (one Service\'s instances)', async () => {
    assert.ok((await store.apply(allowPolicy('allow-3', ns(3), { app: 'svc-3' }, ['spiffe://cluster.local/ns/x/sa/changed']))).ok);
  });
  assert.equal(policy.messages, 1, 'only svc-3-0 is connected among the instances it selects');
  assert.equal(policy.patches, 1);
  const meshWide = await round('a mesh-wide policy (every proxy)', async () => {
    assert.ok((await store.apply({ apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 'audit-all', namespace: 'weft-system' }, spec: { action: 'AUDIT', rules: [{}] } })).ok);
  });
  assert.equal(meshWide.messages, services);
  assert.equal(meshWide.patches, services);
  assert.ok(meshWide.largest < 2000, `a policy patch of ${meshWide.largest} B`);
  checkDecoded();
  ackAll();
  assert.ok(distributor.status().filter((s) => s.connected).every((s) => s.ackedVersion === s.latestVersion && s.nack === undefined));
  // The compiler alone on this world: from scratch, then again with nothing changed (memo hits).
  const listed = await store.list();
  assert.ok(listed.ok);
  const world = createWorldSnapshot(listed.value.items, registry.snapshot().instances);
  const compiler = createSnapshotCompiler();
  for (const label of ['from scratch', 'unchanged world']) {
    const cpuBefore = process.cpuUsage();
    const compiled = compiler.compile(world);
    const cpu = process.cpuUsage(cpuBefore);
    assert.equal(compiled.size, services * replicas);
    t.diagnostic(`compile ${label}: ${compiled.size} snapshots, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
  }
  t.diagnostic(`heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
  distributor.close();
});
