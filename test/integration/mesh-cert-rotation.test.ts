// Issue 3 acceptance, through real processes: `weft control --certificate-lifetime 60s`; steady traffic
// from two client proxies to two server proxies long enough that every proxy that keeps its token rolls
// its certificate over at least 3 times (renewal at 2/3 = 40 s), with zero failed requests; fingerprints
// seen changing in GET /api/v1/proxies. After client-0's first rollover its bootstrap token is revoked
// (`weft token revoke`): it gets no new certificate (its renewals fail, logged), and once its certificate
// expires the server proxies refuse it — its requests fail with a TLS reason — while client-1 keeps
// working. `weft check` then names client-0. About 130 s.
// Runs in a network namespace of its own (see test/support/own-netns.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runInOwnNetns } from '../support/own-netns.js';
import { startMesh, waitForTraffic, type Mesh } from '../support/mesh-harness.js';
import { startSteadyLoad, type SteadyLoad } from '../support/steady-load.js';
import { eventually } from '../support/processes.js';

interface Seen {
  readonly fingerprint: string;
  readonly notAfter: number;
  /** Date.now() when GET /api/v1/proxies first showed it. */
  readonly firstSeen: number;
}

if (runInOwnNetns('mesh-cert-rotation', import.meta.url, 185_000)) {
  describe('mesh-cert-rotation: 60 s certificates roll over under steady traffic; a revoked proxy is refused once its certificate expires', () => {
    let mesh: Mesh | undefined;
    let load: SteadyLoad | undefined;
    let poller: NodeJS.Timeout | undefined;
    before(async () => {
      mesh = await startMesh({ servers: 2, clients: 2, certificateLifetime: '60s' });
    });
    after(async () => {
      if (poller !== undefined) clearInterval(poller);
      await load?.stop();
      await mesh?.close();
    });

    test('3 rollovers with zero failed requests; revoked client-0 refused after expiry, client-1 unaffected', { timeout: 175_000 }, async (t) => {
      const m = mesh!;
      const began = Date.now();
      await m.waitForCheck(20_000);
      await waitForTraffic(m, 20_000);

      // Certificate history per proxy, from what the proxies report to the control plane.
      const history = new Map<string, Seen[]>(m.proxies.map((p) => [p.key, []]));
      const poll = async (): Promise<void> => {
        try {
          for (const p of await m.proxyStatus()) {
            const h = history.get(p.key);
            if (h === undefined || p.certificate === undefined) continue;
            if (h.at(-1)?.fingerprint !== p.certificate.fingerprint) h.push({ fingerprint: p.certificate.fingerprint, notAfter: p.certificate.notAfter, firstSeen: Date.now() });
          }
        } catch {
          // a poll that fails is retried at the next tick
        }
      };
      await poll();
      poller = setInterval(() => void poll(), 250);
      await eventually(() => [...history.values()].every((h) => h.length > 0), 5000, 'every proxy reported a certificate');
      for (const [key, h] of history) {
        const lifetime = h[0]!.notAfter - h[0]!.firstSeen;
        assert.ok(lifetime > 40_000 && lifetime <= 61_000, `${key}: a ~60 s certificate (notAfter in ${lifetime} ms)`);
      }

      const targets = m.clients.flatMap((c) => m.servers.map((s) => m.target(c.index, s.index)));
      load = startSteadyLoad({ targets, ratePerSecond: 20, maxDurationMs: 160_000, maxRequests: 60_000, requestTimeoutMs: 3000 });

      // client-0's first rollover, then its token is revoked.
      const client0 = m.clients[0]!;
      const h0 = history.get(client0.key)!;
      await eventually(() => h0.length >= 2, 60_000, 'client-0 renewed its certificate once');
      const revoke = await m.weft(['token', 'revoke', client0.tokenId]);
      assert.equal(revoke.code, 0, `weft token revoke: ${revoke.stdout}${revoke.stderr}`);
      const revokedAt = revoke.exitedAt;
      const lastCert = h0.at(-1)!;
      t.diagnostic(`client-0 token ${client0.tokenId} revoked ${Math.round((revokedAt - began) / 1000)} s in; its certificate ${lastCert.fingerprint.slice(0, 16)} expires in ${lastCert.notAfter - revokedAt} ms`);
      const logsAtRevoke = client0.logs.length;

      // Every other proxy rolls over at least 3 times (4 certificates seen); client-0's certificate expires.
      const others = m.proxies.filter((p) => p !== client0);
      await eventually(() => others.every((p) => history.get(p.key)!.length >= 4) && Date.now() > lastCert.notAfter + 4000, 150_000,
        'every other proxy on its 4th certificate and client-0 past its expiry');
      await new Promise((resolve) => setTimeout(resolve, 1000)); // a steady window with client-0 expired
      await load.stop();
      clearInterval(poller);
      poller = undefined;
      for (const [key, h] of history) t.diagnostic(`${key}: ${h.map((s) => `${s.fingerprint.slice(0, 12)} seen +${Math.round((s.firstSeen - began) / 1000)} s`).join(', ')}`);
      t.diagnostic(`load: ${load.summary()}`);
      t.diagnostic(`failures:\n${load.describeFailures(began, 60)}`);

      // Every check below is recorded, then all are reported together: one run shows every finding.
      const problems: string[] = [];
      const expect = (ok: boolean, message: string): void => {
        if (!ok) problems.push(message);
      };
      const expectEqual = (actual: unknown, expected: unknown, message: string): void => expect(actual === expected, `${message} (${String(actual)} !== ${String(expected)})`);
      const expectNotEqual = (actual: unknown, other: unknown, message: string): void => expect(actual !== other, `${message} (${String(actual)})`);
      const expectMatch = (text: string, re: RegExp, message?: string): void => expect(re.test(text), message ?? `${re.source} not in:\n${text}`);
      // Rollovers: distinct certificates, each a new one with a later expiry.
      for (const p of others) {
        const h = history.get(p.key)!;
        expect(h.length >= 4, `${p.name} rolled over ${h.length - 1} times`);
        expectEqual(new Set(h.map((s) => s.fingerprint)).size, h.length, `${p.name}: every certificate is new`);
        for (let i = 1; i < h.length; i++) expect(h[i]!.notAfter > h[i - 1]!.notAfter, `${p.name}: certificate ${i} expires later than ${i - 1}`);
      }
      // Zero failed requests from the client whose token stays valid, over the whole run.
      const f1 = load.failures({ target: 'client-1→srv-0' }).concat(load.failures({ target: 'client-1→srv-1' }));
      expectEqual(f1.length, 0, `client-1 failures: ${f1.slice(0, 10).map((r) => `${r.target} ${r.mode} ${r.reason}`).join('; ')}`);
      // client-0: no failure while its certificate was valid (through its first rollover and the revocation).
      const f0early = load.results.filter((r) => r.target.startsWith('client-0→') && r.status !== 200 && r.startedAt < lastCert.notAfter - 1000);
      expectEqual(f0early.length, 0, `client-0 failed before its certificate expired: ${f0early.slice(0, 10).map((r) => `${r.target} ${r.mode} ${r.reason}`).join('; ')}`);

      // Revoked: no new certificate after the revocation, and its renewals failed, logged.
      expectEqual(h0.at(-1)!.fingerprint, lastCert.fingerprint, 'client-0 got no certificate after its token was revoked');
      const renewalFailures = client0.logs.slice(logsAtRevoke).filter((l) => /"level":"(warn|error)"/.test(l) && /renew|certificate|csr/i.test(l));
      t.diagnostic(`client-0 renewal failures logged: ${renewalFailures.length}; first: ${renewalFailures[0] ?? 'none'}`);
      expect(renewalFailures.length > 0, `client-0 logged no failed renewal after the revocation; its last lines:\n${client0.logs.slice(-20).join('\n')}`);

      // Once its certificate expired, its peers refuse it: every request through it fails, with a TLS reason.
      const after = load.results.filter((r) => r.target.startsWith('client-0→') && r.startedAt > lastCert.notAfter + 3000);
      expect(after.length > 20, `client-0 sent requests after its certificate expired: ${after.length}`);
      const through = after.filter((r) => r.status === 200);
      expectEqual(through.length, 0, `${through.length} of ${after.length} requests through client-0 succeeded after its certificate expired`);
      t.diagnostic(`client-0 after expiry: ${[...new Set(after.map((r) => r.reason))].slice(0, 5).join(' | ')}`);
      expect(after.some((r) => /certificate|tls|expired|handshake/i.test(r.reason)), `no TLS reason in client-0's failures: ${after[0]?.reason ?? ''}`);

      // The control plane was up all along: no proxy should have lost its stream while its certificate was valid
      // (the distributor PINGs every 10 s; a stream that sees those is alive).
      for (const p of m.proxies) {
        const lost = p.logs.filter((l) => l.includes('control stream lost') && Date.parse(/"time":"([^"]+)"/.exec(l)?.[1] ?? '') < lastCert.notAfter);
        expectEqual(lost.length, 0, `${p.name} lost its control stream while the control plane was up: ${lost[0] ?? ''}`);
      }

      // weft check names client-0 (its certificate is not valid) and passes every other proxy.
      const check = await m.weft(['check']);
      t.diagnostic(`weft check (exit ${String(check.code)}):\n${check.stdout}${check.stderr}`);
      expectNotEqual(check.code, 0, 'weft check fails with client-0 expired');
      expectMatch(check.stdout, /FAIL +proxy mesh\/client-0/);
      for (const p of others) expectMatch(check.stdout, new RegExp(`ok +proxy ${p.key} `));
      assert.deepEqual(problems, [], `${problems.length} acceptance checks failed:\n${problems.join('\n')}`);
    });
  });
}
