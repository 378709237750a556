import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock, type ManualClock } from '../../core/clock.js';
import { createSeededRandom } from '../../core/random.js';
import { err, ok } from '../../core/result.js';
import { weftError } from '../../core/errors.js';
import { createRootCa } from '../../control/ca/create-root-ca.js';
import { signWorkloadCsr } from '../../control/ca/sign-workload-csr.js';
import type { IdentityMaterial } from '../tls/identity-material.js';
import type { CertificateRequester } from './certificate-requester.js';
import { createIdentityClient, type IdentityTimers } from './identity-client.js';

const ID = 'spiffe://cluster.local/ns/shop/sa/cart';
const LIFETIME = 60_000;

/** Timers driven by the test: `fire()` moves the manual clock to the next due task and runs it. */
function createManualTimers(clock: ManualClock): IdentityTimers & { fire(): number; pending(): number; scheduled(): Promise<void> } {
  let seq = 0;
  const tasks = new Map<number, { at: number; fn: () => void }>();
  let waiter: (() => void) | undefined;
  return {
    setTimeout(fn, ms) {
      const id = ++seq;
      tasks.set(id, { at: clock.now() + ms, fn });
      const w = waiter;
      waiter = undefined;
      w?.();
      return id;
    },
    clearTimeout(handle) {
      tasks.delete(handle as number);
    },
    pending: () => tasks.size,
    scheduled: () => new Promise((resolve) => (waiter = resolve)),
    fire() {
      const [id, task] = [...tasks.entries()].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      assert.ok(id !== undefined && task !== undefined, 'a timer is pending');
      tasks.delete(id);
      const delay = task.at - clock.now();
      if (delay > 0) clock.advance(delay);
      task.fn();
      return delay;
    },
  };
}

async function setup(): Promise<{ clock: ManualClock; timers: ReturnType<typeof createManualTimers>; requester: CertificateRequester; mode: { down: boolean; revoked: boolean }; calls: () => number }> {
  const clock = createManualClock(1_800_000_000_000);
  const root = await createRootCa({ trustDomain: 'cluster.local', clock });
  const mode = { down: false, revoked: false };
  let calls = 0;
  const requester: CertificateRequester = async (csrPem) => {
    calls++;
    if (mode.down) return err(weftError('WEFT_CA_UNAVAILABLE', 'connection refused'));
    if (mode.revoked) return err(weftError('WEFT_CA_TOKEN_REVOKED', 'revoked'));
    const signed = await signWorkloadCsr(root.signer, csrPem, ID, { clock, lifetimeMs: LIFETIME });
    if (!signed.ok) return err(signed.error);
    return ok({ certChainPem: signed.value.chainPem, trustBundlePem: root.signer.rootPem, notAfter: signed.value.notAfter });
  };
  return { clock, timers: createManualTimers(clock), requester, mode, calls: () => calls };
}

test('gets a certificate at start, hands it over, and renews at two-thirds of its life', async () => {
  const { clock, timers, requester, calls } = await setup();
  const client = createIdentityClient({ spiffeId: ID, requester, clock, random: createSeededRandom(1), timers, timing: { jitterFraction: 0 } });
  const seen: IdentityMaterial[] = [];
  client.onMaterial((m) => seen.push(m));
  assert.equal(client.isReady(), false);
  assert.equal(client.state().ready, false);
  let scheduled = timers.scheduled();
  client.start();
  const first = await client.whenReady();
  await scheduled;
  assert.equal(seen.length, 1);
  assert.equal(first.spiffeId, ID);
  assert.equal(client.isReady(), true);
  assert.equal(calls(), 1);
  assert.equal(timers.pending(), 1);

  scheduled = timers.scheduled();
  const waited = timers.fire();
  // notAfter has second precision: renewal is 2/3 of the time to notAfter as issued.
  assert.ok(Math.abs(waited - (LIFETIME * 2) / 3) <= 1000, `renewed after ${waited} ms`);
  await scheduled;
  assert.equal(seen.length, 2);
  assert.notEqual(seen[1]?.fingerprint, seen[0]?.fingerprint);
  assert.equal(client.material(), seen[1]);
  assert.deepEqual({ issued: client.state().issued, failures: client.state().failures }, { issued: 2, failures: 0 });
  client.stop();
  assert.equal(timers.pending(), 0);
});

test('when the CA is away, the old certificate stays and retries come before it expires', async () => {
  const { clock, timers, requester, mode } = await setup();
  const client = createIdentityClient({ spiffeId: ID, requester, clock, random: createSeededRandom(2), timers });
  let scheduled = timers.scheduled();
  client.start();
  const first = await client.whenReady();
  await scheduled;
  mode.down = true;
  let tries = 0;
  while (clock.now() < first.notAfter - 500) {
    scheduled = timers.scheduled();
    timers.fire();
    await scheduled;
    tries++;
    assert.equal(client.material(), first, 'the old certificate stays in force');
    const next = client.state().nextAttemptAt;
    assert.ok(next !== undefined && next < first.notAfter, `next try at ${next} before expiry ${first.notAfter}`);
    assert.equal(client.state().lastError?.code, 'WEFT_CA_UNAVAILABLE');
  }
  assert.ok(tries >= 3, `tried ${tries} times`);
  mode.down = false;
  scheduled = timers.scheduled();
  timers.fire();
  await scheduled;
  assert.notEqual(client.material(), first);
  assert.equal(client.state().failures, 0);
  assert.equal(client.isReady(), true);
  client.stop();
});

test('a revoked token gets no new certificate: the proxy stops being ready when its certificate expires', async () => {
  const { clock, timers, requester, mode } = await setup();
  const client = createIdentityClient({ spiffeId: ID, requester, clock, random: createSeededRandom(3), timers });
  let scheduled = timers.scheduled();
  client.start();
  const first = await client.whenReady();
  await scheduled;
  mode.revoked = true;
  while (clock.now() < first.notAfter + 10_000) {
    scheduled = timers.scheduled();
    timers.fire();
    await scheduled;
    assert.equal(client.state().lastError?.code, 'WEFT_CA_TOKEN_REVOKED');
    assert.equal(client.isReady(), clock.now() < first.notAfter);
  }
  assert.equal(client.state().ready, false);
  assert.equal(client.material(), first);
  client.stop();
});

test('before the first certificate retries stay within firstRetryMaxMs; after it the usual cap applies', async () => {
  const { clock, timers, requester, mode } = await setup();
  mode.down = true;
  const client = createIdentityClient({ spiffeId: ID, requester, clock, random: createSeededRandom(4), timers, firstRetryMaxMs: 2000, timing: { retryBaseMs: 500, retryMaxMs: 60_000 } });
  const delays: number[] = [];
  client.onFailure((_e, ms) => delays.push(ms));
  let scheduled = timers.scheduled();
  client.start();
  await scheduled;
  for (let i = 0; i < 8; i++) {
    scheduled = timers.scheduled();
    timers.fire();
    await scheduled;
  }
  assert.equal(delays.length, 9);
  assert.ok(delays.every((d) => d <= 2000), delays.join());
  assert.ok(delays.slice(3).every((d) => d >= 1000), `equal jitter keeps at least half the cap: ${delays.join()}`);
  assert.equal(client.isReady(), false);
  client.stop();
});
