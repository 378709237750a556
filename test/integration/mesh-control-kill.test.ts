// Issue 3 acceptance, through real processes: steady traffic through a client proxy and two server
// proxies; `kill -9` of `weft control`; traffic goes on with zero failed requests while it is down;
// `weft control` restarted on the same WEFT_HOME and ports has every resource (`weft get`), every proxy
// reconnects and ACKs the latest version (`weft check` exit 0); zero failed requests over the whole run.
// Runs in a network namespace of its own (see test/support/own-netns.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runInOwnNetns } from '../support/own-netns.js';
import { meshNamespace, startMesh, waitForTraffic, type Mesh } from '../support/mesh-harness.js';
import { startSteadyLoad, type SteadyLoad } from '../support/steady-load.js';
import { eventually } from '../support/processes.js';

const allowPolicy = [
  'apiVersion: weft.dev/v1alpha1',
  'kind: AuthorizationPolicy',
  'metadata:',
  '  name: servers-from-clients',
  `  namespace: ${meshNamespace}`,
  'spec:',
  '  selector:',
  '    matchLabels:',
  '      role: server',
  '  action: ALLOW',
  '  rules:',
  '    - from:',
  '        - source:',
  `            namespaces: ["${meshNamespace}"]`,
  '',
].join('\n');

const downWindowMs = 4000;

if (runInOwnNetns('mesh-control-kill', import.meta.url, 60_000)) {
  describe('mesh-control-kill: kill -9 of the control plane under steady traffic', () => {
    let mesh: Mesh | undefined;
    let load: SteadyLoad | undefined;
    before(async () => {
      mesh = await startMesh({ servers: 2, clients: 1, extraManifest: allowPolicy });
    });
    after(async () => {
      await load?.stop();
      await mesh?.close();
    });

    test('zero failed requests while it is down and after; on restart every resource is there and every proxy resyncs', async (t) => {
      const m = mesh!;
      await m.waitForCheck(20_000);
      await waitForTraffic(m, 20_000);
      const kinds = ['namespace', 'mesh', 'service', 'authorizationpolicy'];
      const getAll = async (): Promise<unknown[]> => Promise.all(kinds.map(async (k) => {
        const r = await m.weft(['get', k, '-o', 'json']);
        assert.equal(r.code, 0, `weft get ${k}: ${r.stdout}${r.stderr}`);
        const list = JSON.parse(r.stdout) as { items: unknown[] };
        assert.ok(list.items.length > 0, `weft get ${k} lists something`);
        return list;
      }));
      const resourcesBefore = await getAll();
      const statusBefore = await m.proxyStatus();
      assert.equal(statusBefore.length, 3);

      const targets = m.servers.map((s) => m.target(0, s.index));
      load = startSteadyLoad({ targets, ratePerSecond: 50, maxDurationMs: 45_000, maxRequests: 20_000, requestTimeoutMs: 3000 });
      await new Promise((resolve) => setTimeout(resolve, 1000)); // steady window before the kill

      const killedAt = Date.now();
      await m.killControl();
      t.diagnostic(`weft control (pid ${m.control.pid}) killed with SIGKILL`);
      // The control plane is really gone: its API refuses connections.
      await assert.rejects(fetch('http://127.0.0.1:15080/api/v1/health'));
      await new Promise((resolve) => setTimeout(resolve, downWindowMs)); // steady traffic while it is down
      const downTo = Date.now();
      const duringDown = load.results.filter((r) => r.startedAt >= killedAt && r.startedAt <= downTo);
      const failedDown = duringDown.filter((r) => r.status !== 200);
      t.diagnostic(`while down (${downTo - killedAt} ms): ${duringDown.length} requests, ${failedDown.length} failed`);
      if (failedDown.length > 0) t.diagnostic(load.describeFailures(killedAt, 20));
      // At the nominal rate that is 50/s × 2 modes × 2 targets; a loaded machine may send fewer, but traffic must have flowed.
      const nominal = (downWindowMs / 1000) * 50 * 2 * targets.length;
      assert.ok(duringDown.length >= nominal / 4, `too few requests while down: ${duringDown.length} (nominal ${nominal})`);
      assert.equal(failedDown.length, 0, `failed while the control plane was down: ${failedDown.slice(0, 5).map((r) => `${r.target} ${r.mode} ${r.reason}`).join('; ')}`);

      const restartAt = Date.now();
      await m.startControl();
      t.diagnostic(`weft control restarted (pid ${m.control.pid}) in ${Date.now() - restartAt} ms`);
      const resourcesAfter = await getAll();
      for (let i = 0; i < kinds.length; i++) {
        assert.deepEqual(resourcesAfter[i], resourcesBefore[i], `${kinds[i]!}: the same resources after the restart`);
      }
      // Every proxy reconnects and acknowledges the latest version.
      await eventually(async () => {
        const s = await m.proxyStatus();
        return s.length === 3 && s.every((p) => p.connected && p.ackedVersion !== undefined && p.ackedVersion === p.latestVersion);
      }, 15_000, 'every proxy reconnected and on the latest version');
      const check = await m.waitForCheck(5000);
      const resyncMs = Date.now() - restartAt;
      t.diagnostic(`restart → all proxies connected, acked and weft check 0: ${resyncMs} ms\n${check.stdout}`);
      const statusAfter = await m.proxyStatus();
      for (const p of statusAfter) {
        const was = statusBefore.find((b) => b.key === p.key);
        assert.ok(was !== undefined, `${p.key} was there before`);
        // Same resources and registrations: the deterministic compiler gives the same versions.
        assert.equal(p.latestVersion, was.latestVersion, `${p.key}: same version after the restart`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000)); // steady window after the resync
      await load.stop();
      const failures = load.failures();
      t.diagnostic(`load over the whole run: ${load.summary()}`);
      if (failures.length > 0) {
        const rel = (at: number): string => `kill${at >= killedAt ? '+' : ''}${at - killedAt} ms / restart${at >= restartAt ? '+' : ''}${at - restartAt} ms`;
        t.diagnostic(`failures from ${rel(failures[0]!.startedAt)} to ${rel(failures.at(-1)!.startedAt)}`);
      }
      assert.equal(failures.length, 0, `failed requests: ${failures.slice(0, 10).map((r) => `${r.target} ${r.mode} ${r.reason}`).join('; ')}`);
    });
  });
}
