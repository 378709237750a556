import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResourceValidator } from '../../api/validate.js';
import { createManualClock } from '../../core/clock.js';
import { createRegistry } from '../registry/registry.js';
import { createMemoryStore } from '../store/create-memory-store.js';
import { createDistributor, type ProxyConnection, type Timers } from './distributor.js';
import type { ControlMessage } from './stream-messages.js';
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

function fakeConnection(): ProxyConnection & { messages: ControlMessage[]; closedWith?: string } {
  const c: ProxyConnection & { messages: ControlMessage[]; closedWith?: string } = {
    messages: [],
    send: (m) => c.messages.push(m),
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
  const last = web.messages[1];
  assert.equal(last?.type === 'snapshot' ? last.snapshot.inbound.policies[0]?.spec.rules?.[0]?.from?.[0]?.source.principals?.[0] : '', 'spiffe://cluster.local/ns/shop/sa/b');
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
  const caller = fakeConnection();
  distributor.connect('spiffe://cluster.local/ns/shop/sa/client', caller).receive({ type: 'hello', registration: reg('client-0', 'client', { app: 'client' }, '10.0.0.2') });
  timers.advance(10);
  const endpoints = (): number => {
    const m = caller.messages.at(-1);
    return m?.type === 'snapshot' ? (m.snapshot.outbound.services.find((s) => s.name === 'web')?.endpoints.length ?? -1) : -1;
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
