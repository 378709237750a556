import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResourceValidator } from '../../api/validate.js';
import { createManualClock } from '../../core/clock.js';
import { createRegistry } from '../registry/registry.js';
import { createMemoryStore } from '../store/create-memory-store.js';
import { createDistributor, type ProxyConnection, type Timers } from './distributor.js';
import type { ControlMessage } from './stream-messages.js';
import { baseMismatchReason } from '../../proxy/control-stream/stream-protocol.js';
import { applySnapshotPatch } from '../../proxy/control-stream/apply-snapshot-patch.js';
import type { ProxySnapshot } from '../../proxy/snapshot/proxy-snapshot.js';
import { allowPolicy, service } from '../../../test/support/resource-fixtures.js';

/** Timers run by hand: `advance(ms)` fires what is due, in order. */
function manualTimers(): Timers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let nextId = 1;
  const due = new Map<number, { at: number; fn: () => void; every?: number }>();
  return {
    setTimeout: (fn, ms) => { const id = nextId++; due.set(id, { at: now + ms, fn }); return id; },
    clearTimeout: (h) => { due.delete(h as number); },
    setInterval: (fn, ms) => { const id = nextId++; due.set(id, { at: now + ms, fn, every: ms }); return id; },
    clearInterval: (h) => { due.delete(h as number); },
    pending: () => [...due.values()].filter((t) => t.every === undefined).length,
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...due.entries()].filter(([, t]) => t.at <= end).sort(([, a], [, b]) => a.at - b.at)[0];
        if (next === undefined) break;
        const [id, t] = next;
        now = t.at;
        if (t.every !== undefined) t.at += t.every;
        else due.delete(id);
        t.fn();
      }
      now = end;
    },
  };
}

type FakeConnection = ProxyConnection & { messages: ControlMessage[]; snapshots: ProxySnapshot[]; closedWith?: string; holdWrites?: boolean; held: (() => void)[] };


/** Records messages, and the snapshot the proxy would be on after each (patches applied, through JSON as on the wire). */
function fakeConnection(): FakeConnection {
  const c: FakeConnection = {
    messages: [],
    snapshots: [],
    held: [],
    send: (m, written) => {
      c.messages.push(m);
      const wire = JSON.parse(JSON.stringify(m)) as ControlMessage;
      if (wire.type === 'snapshot') c.snapshots.push(wire.snapshot);
      if (wire.type === 'patch') {
        const base = c.snapshots.at(-1);
        assert.ok(base !== undefined, 'a patch before any snapshot');
        const applied = applySnapshotPatch(base, wire);
        assert.ok(applied.ok, applied.ok ? '' : applied.error);
        c.snapshots.push(applied.value);
      }
      // As a stream calls back once the bytes left; held back on request to test the flow control.
      if (written === undefined) return;
      if (c.holdWrites === true) c.held.push(written);
      else written();
    },
    close: (code) => { c.closedWith = code; },
  };
  return c;
}

const reg = (name: string, sa: string, labels: Record<string, string>, address: string): unknown => ({ namespace: 'shop', name, serviceAccount: sa, labels, addresses: [address], ports: [{ port: 8080 }] });

test('debounce: the first change opens a window, later ones join it, one push at its end', async () => {
  const clock = createManualClock();
  const timers = manualTimers();
  const store = createMemoryStore({ validator: createResourceValidator(), clock });
  const distributor = createDistributor({ store, registry: createRegistry({ clock }), debounceMs: 100, heartbeatMs: 10_000, timers });
  assert.ok((await distributor.start()).ok);
  const web = fakeConnection();
  distributor.connect('spiffe://cluster.local/ns/shop/sa/web', web).receive({ type: 'hello', registration: reg('web-0', 'web', { app: 'web' }, '10.0.0.1') });
  assert.equal(web.messages.length, 0, 'nothing before the window closes');
  timers.advance(100);
  assert.equal(web.messages.length, 1);
  await store.apply(allowPolicy('p', 'shop', { app: 'web' }, ['spiffe://cluster.local/ns/shop/sa/a']));
  timers.advance(60);
  await store.apply(allowPolicy('p', 'shop', { app: 'web' }, ['spiffe://cluster.local/ns/shop/sa/b']));
  timers.advance(39);
  assert.equal(web.messages.length, 1, 'the second change did not extend or cut the window');
  timers.advance(1);
  assert.equal(web.messages.length, 2);
  assert.equal(web.messages[1]?.type, 'patch', 'a policy change is a patch');
  assert.equal(web.snapshots[1]?.inbound.policies[0]?.spec.rules?.[0]?.from?.[0]?.source.principals?.[0], 'spiffe://cluster.local/ns/shop/sa/b');
  assert.deepEqual(web.snapshots[1], distributor.snapshotOf('shop/web-0'));
  await store.apply(service('unrelated', 'other', { app: 'x' }, 9));
  timers.advance(100);
  assert.equal(web.messages.length, 3, 'a new Service is a new outbound entry for everyone');
  await store.apply(allowPolicy('q', 'other', { app: 'web' }, ['*']));
  timers.advance(100);
  assert.equal(web.messages.length, 3, 'a change this proxy does not see sends it nothing');
  distributor.close();
});

test('a proxy whose stream is gone loses readiness when its lease lapses; its callers are told', async () => {
  const clock = createManualClock();
  const timers = manualTimers();
  const store = createMemoryStore({ validator: createResourceValidator(), clock });
  await store.apply(service('web', 'shop', { app: 'web' }, 8080));
  const distributor = createDistributor({ store, registry: createRegistry({ clock, leaseMs: 3000 }), debounceMs: 10, heartbeatMs: 1000, timers });
  assert.ok((await distributor.start()).ok);
  const web = fakeConnection();
  const webSession = distributor.connect('spiffe://cluster.local/ns/shop/sa/web', web);
  webSession.receive({ type: 'hello', registration: reg('web-0', 'web', { app: 'web' }, '10.0.0.1') });
  const { caller } = subscribeClient(distributor);
  timers.advance(10);
  const endpoints = (): number => {
    const m = caller.snapshots.at(-1);
    return m?.outbound.services.find((s) => s.name === 'web')?.endpoints.length ?? -1;
  };
  assert.equal(endpoints(), 1);
  // Connected proxies keep their lease through the heartbeat, however long.
  for (let i = 0; i < 10; i++) { clock.advance(1000); timers.advance(1000); }
  assert.equal(endpoints(), 1);
  webSession.closed();
  for (let i = 0; i < 4; i++) { clock.advance(1000); timers.advance(1000); }
  timers.advance(10);
  assert.equal(endpoints(), 0);
  assert.equal(distributor.status().find((s) => s.key === 'shop/web-0')?.connected, false);
  distributor.close();
});

test('the first message must be hello; a second hello ends the stream', async () => {
  const clock = createManualClock();
  const distributor = createDistributor({ store: createMemoryStore({ validator: createResourceValidator(), clock }), registry: createRegistry({ clock }), timers: manualTimers() });
  assert.ok((await distributor.start()).ok);
  const early = fakeConnection();
  distributor.connect('spiffe://cluster.local/ns/shop/sa/web', early).receive({ type: 'ack', version: 'x' });
  assert.equal(early.closedWith, 'WEFT_CONTROL_BAD_REQUEST');
  const twice = fakeConnection();
  const session = distributor.connect('spiffe://cluster.local/ns/shop/sa/web', twice);
  session.receive({ type: 'hello', registration: reg('web-0', 'web', {}, '10.0.0.1') });
  session.receive({ type: 'hello', registration: reg('web-0', 'web', {}, '10.0.0.1') });
  assert.equal(twice.closedWith, 'WEFT_CONTROL_BAD_REQUEST');
  const invalid = fakeConnection();
  distributor.connect('spiffe://cluster.local/ns/shop/sa/web', invalid).receive({ type: 'hello', registration: { namespace: 'shop' } });
  assert.equal(invalid.closedWith, 'WEFT_CONTROL_BAD_REQUEST');
  distributor.close();
});

/** The shop's client-0 proxy subscribes (connect + hello); the caller advances the timers. */
function subscribeClient(distributor: ReturnType<typeof createDistributor>): { caller: FakeConnection; session: ReturnType<ReturnType<typeof createDistributor>['connect']> } {
  const caller = fakeConnection();
  const session = distributor.connect('spiffe://cluster.local/ns/shop/sa/client', caller);
  session.receive({ type: 'hello', registration: reg('client-0', 'client', { app: 'client' }, '10.0.0.2') });
  return { caller, session };
}

async function world(services: number): Promise<{ distributor: ReturnType<typeof createDistributor>; timers: ReturnType<typeof manualTimers>; store: ReturnType<typeof createMemoryStore> }> {
  const clock = createManualClock();
  const timers = manualTimers();
  const store = createMemoryStore({ validator: createResourceValidator(), clock });
  for (let i = 0; i < services; i++) await store.apply(service(`svc-${i}`, 'shop', { app: `svc-${i}` }, 8080));
  await store.apply(service('web', 'shop', { app: 'web' }, 8080));
  const distributor = createDistributor({ store, registry: createRegistry({ clock }), debounceMs: 10, heartbeatMs: 60_000, timers });
  assert.ok((await distributor.start()).ok);
  return { distributor, timers, store };
}

test('an endpoint change reaches callers as a patch carrying only the changed service; the ACK of its version is the latest', async () => {
  const { distributor, timers } = await world(10);
  const { caller, session: callerSession } = subscribeClient(distributor);
  timers.advance(10);
  assert.deepEqual(caller.messages.map((m) => m.type), ['snapshot'], 'full on connect');
  const web = fakeConnection();
  const webSession = distributor.connect('spiffe://cluster.local/ns/shop/sa/web', web);
  webSession.receive({ type: 'hello', registration: reg('web-0', 'web', { app: 'web' }, '10.0.0.1') });
  timers.advance(10);
  webSession.receive({ type: 'ready', ready: false });
  timers.advance(10);
  webSession.receive({ type: 'ready', ready: true });
  timers.advance(10);
  webSession.receive({ type: 'bye' });
  timers.advance(10);
  assert.deepEqual(caller.messages.map((m) => m.type), ['snapshot', 'patch', 'patch', 'patch', 'patch']);
  for (const m of caller.messages.slice(1)) {
    assert.ok(m.type === 'patch');
    assert.deepEqual(m.upsert?.map((s) => s.name), ['web'], 'registration, readiness flips and deregistration: only the web service');
    assert.equal(m.inbound, undefined);
    assert.equal(m.remove, undefined);
  }
  assert.deepEqual(caller.snapshots.map((s) => s.outbound.services.find((o) => o.name === 'web')?.endpoints.length), [0, 1, 0, 1, 0]);
  assert.deepEqual(caller.snapshots.at(-1), distributor.snapshotOf('shop/client-0'));
  callerSession.receive({ type: 'ack', version: caller.snapshots.at(-1)?.version ?? '' });
  const status = distributor.status().find((s) => s.key === 'shop/client-0');
  assert.equal(status?.ackedVersion, status?.latestVersion);
  distributor.close();
});

test('a base-mismatch NACK gets the full snapshot once and is no NACK in the status; a real NACK makes the next push full', async () => {
  const { distributor, timers, store } = await world(4);
  const { caller, session } = subscribeClient(distributor);
  timers.advance(10);
  await store.apply(allowPolicy('p', 'shop', { app: 'client' }, ['spiffe://cluster.local/ns/shop/sa/a']));
  timers.advance(10);
  await store.apply(allowPolicy('p', 'shop', { app: 'client' }, ['spiffe://cluster.local/ns/shop/sa/b']));
  timers.advance(10);
  assert.deepEqual(caller.messages.map((m) => m.type), ['snapshot', 'patch', 'patch']);
  // The proxy missed the first patch (say): both patches are NACKed for their base.
  session.receive({ type: 'nack', version: caller.snapshots[1]?.version ?? '', reason: `${baseMismatchReason}: on v0` });
  session.receive({ type: 'nack', version: caller.snapshots[2]?.version ?? '', reason: `${baseMismatchReason}: on v0` });
  assert.deepEqual(caller.messages.map((m) => m.type), ['snapshot', 'patch', 'patch', 'snapshot'], 'one full snapshot, not one per NACK');
  assert.equal(caller.snapshots.at(-1)?.version, distributor.snapshotOf('shop/client-0')?.version);
  assert.equal(distributor.status()[0]?.nack, undefined);
  // A real NACK: the proxy stays on an older version, so the next change goes whole.
  session.receive({ type: 'nack', version: caller.snapshots.at(-1)?.version ?? '', reason: 'policy does not compile' });
  assert.equal(distributor.status()[0]?.nack?.reason, 'policy does not compile');
  await store.apply(allowPolicy('p', 'shop', { app: 'client' }, ['spiffe://cluster.local/ns/shop/sa/c']));
  timers.advance(10);
  assert.equal(caller.messages.at(-1)?.type, 'snapshot');
  distributor.close();
});

test('a change to most services goes as a full snapshot', async () => {
  const { distributor, timers, store } = await world(6);
  const { caller } = subscribeClient(distributor);
  timers.advance(10);
  for (let i = 0; i < 4; i++) await store.apply(service(`svc-${i}`, 'shop', { app: `svc-${i}` }, 9090));
  timers.advance(10);
  assert.deepEqual(caller.messages.map((m) => m.type), ['snapshot', 'snapshot']);
  await store.apply(service('svc-0', 'shop', { app: 'svc-0' }, 9191));
  timers.advance(10);
  const last = caller.messages.at(-1);
  assert.ok(last?.type === 'patch');
  assert.deepEqual([last.upsert?.map((s) => `${s.name}:${s.port}`), last.remove?.map((s) => `${s.name}:${s.port}`)], [['svc-0:9191'], ['svc-0:9090']]);
  assert.deepEqual(caller.snapshots.at(-1), distributor.snapshotOf('shop/client-0'));
  distributor.close();
});

test('a patch NACKed for another reason gets the full snapshot once; the refusal stays visible until an ACK', async () => {
  const { distributor, timers, store } = await world(4);
  const { caller, session } = subscribeClient(distributor);
  timers.advance(10);
  await store.apply(allowPolicy('p', 'shop', { app: 'client' }, ['spiffe://cluster.local/ns/shop/sa/a']));
  timers.advance(10);
  const patched = caller.snapshots.at(-1)!.version;
  session.receive({ type: 'nack', version: patched, reason: 'the patch does not apply: removes x' });
  assert.deepEqual(caller.messages.map((m) => m.type), ['snapshot', 'patch', 'snapshot']);
  assert.equal(caller.snapshots.at(-1)?.version, patched);
  assert.equal(distributor.status()[0]?.nack?.reason, 'the patch does not apply: removes x');
  session.receive({ type: 'nack', version: patched, reason: 'again' });
  assert.equal(caller.messages.length, 3, 'a refused full snapshot is not resent');
  session.receive({ type: 'ack', version: patched });
  assert.equal(distributor.status()[0]?.nack, undefined);
  distributor.close();
});

test('a proxy that answers patches with base mismatches twice in a row gets full snapshots from then on', async () => {
  const { distributor, timers, store } = await world(4);
  const { caller, session } = subscribeClient(distributor);
  timers.advance(10);
  for (const principal of ['a', 'b']) {
    await store.apply(allowPolicy('p', 'shop', { app: 'client' }, [`spiffe://cluster.local/ns/shop/sa/${principal}`]));
    timers.advance(10);
    const last = caller.messages.at(-1);
    assert.equal(last?.type, 'patch');
    session.receive({ type: 'nack', version: last.type === 'patch' ? last.version : '', reason: `${baseMismatchReason}: this proxy applies full snapshots only` });
    assert.equal(caller.messages.at(-1)?.type, 'snapshot');
    session.receive({ type: 'ack', version: caller.snapshots.at(-1)?.version ?? '' });
  }
  await store.apply(allowPolicy('p', 'shop', { app: 'client' }, ['spiffe://cluster.local/ns/shop/sa/c']));
  timers.advance(10);
  assert.deepEqual(caller.messages.map((m) => m.type), ['snapshot', 'patch', 'snapshot', 'patch', 'snapshot', 'snapshot']);
  assert.equal(distributor.status()[0]?.nack, undefined);
  distributor.close();
});

test('one message in flight per proxy: changes meanwhile are coalesced into one patch from what was sent', async () => {
  const { distributor, timers, store } = await world(4);
  const { caller } = subscribeClient(distributor);
  caller.holdWrites = true;
  timers.advance(10);
  for (const principal of ['a', 'b', 'c']) {
    await store.apply(allowPolicy('p', 'shop', { app: 'client' }, [`spiffe://cluster.local/ns/shop/sa/${principal}`]));
    timers.advance(10);
  }
  assert.deepEqual(caller.messages.map((m) => m.type), ['snapshot'], 'nothing more while the first is being written');
  caller.holdWrites = false;
  caller.held.shift()?.();
  assert.deepEqual(caller.messages.map((m) => m.type), ['snapshot', 'patch']);
  assert.deepEqual(caller.snapshots.at(-1), distributor.snapshotOf('shop/client-0'), 'straight to the latest');
  assert.equal(caller.snapshots.at(-1)?.inbound.policies[0]?.spec.rules?.[0]?.from?.[0]?.source.principals?.[0], 'spiffe://cluster.local/ns/shop/sa/c');
  distributor.close();
});
