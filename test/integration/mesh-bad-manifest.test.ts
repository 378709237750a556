// Issue 3 acceptance, through real processes: `weft apply -f bad.yaml` (a policy with an invalid field)
// is refused with the field path in the message and a non-zero exit, nothing of the file is applied,
// traffic keeps flowing under the old policy (what it allowed still answers 200, what it denied still
// 403), and `weft check` still exits 0 with every proxy on the version it had.
// Runs in a network namespace of its own (see test/support/own-netns.ts).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runInOwnNetns } from '../support/own-netns.js';
import { controlUrl, meshNamespace, startMesh, waitForTraffic, type Mesh } from '../support/mesh-harness.js';
import { startSteadyLoad, type SteadyLoad } from '../support/steady-load.js';
import { parse } from 'yaml';

const policy = (operation: string): string => [
  'apiVersion: weft.dev/v1alpha1',
  'kind: AuthorizationPolicy',
  'metadata:',
  '  name: deny-forbidden',
  `  namespace: ${meshNamespace}`,
  'spec:',
  '  selector:',
  '    matchLabels:',
  '      role: server',
  '  action: DENY',
  '  rules:',
  '    - to:',
  '        - operation:',
  operation,
  '',
].join('\n');

const goodPolicy = policy('            paths: ["/forbidden*"]');
// Would allow /forbidden if it were applied; `methodz` is not a field of an operation.
const badPolicy = policy('            paths: ["/other*"]\n            methodz: ["GET"]');
// A valid document in the same file: refused with the bad one (nothing of the file is applied).
const extraService = [
  'apiVersion: v1', 'kind: Service', 'metadata:', '  name: extra', `  namespace: ${meshNamespace}`, 'spec:',
  '  selector:', '    app: extra', '  ports:', '    - port: 81', '      targetPort: 9999', '',
].join('\n');

if (runInOwnNetns('mesh-bad-manifest', import.meta.url, 60_000)) {
  describe('mesh-bad-manifest: a bad manifest is refused with its field path; the mesh keeps the old one', () => {
    let mesh: Mesh | undefined;
    let load: SteadyLoad | undefined;
    before(async () => {
      mesh = await startMesh({ servers: 1, clients: 1, extraManifest: goodPolicy });
    });
    after(async () => {
      await load?.stop();
      await mesh?.close();
    });

    test('weft apply -f bad.yaml exits non-zero naming the field; traffic and weft check unaffected', async (t) => {
      const m = mesh!;
      await m.waitForCheck(20_000);
      await waitForTraffic(m, 20_000);
      assert.equal((await m.request(0, 0, '/forbidden/x')).status, 403, 'the old policy denies /forbidden');
      const policyBefore = await m.weft(['get', 'authorizationpolicy', 'deny-forbidden', '-n', meshNamespace, '-o', 'json']);
      assert.equal(policyBefore.code, 0, policyBefore.stderr);
      const statusBefore = await m.proxyStatus();

      load = startSteadyLoad({ targets: [m.target(0, 0, '/ok'), { ...m.target(0, 0, '/forbidden/x'), name: 'forbidden' }], ratePerSecond: 25, maxDurationMs: 30_000, maxRequests: 10_000, requestTimeoutMs: 3000 });
      await new Promise((resolve) => setTimeout(resolve, 1000)); // steady window before

      const bad = await m.apply(`${badPolicy}---\n${extraService}`, 'bad.yaml');
      t.diagnostic(`weft apply -f bad.yaml: exit ${String(bad.code)}\n${bad.stdout}${bad.stderr}`);
      assert.notEqual(bad.code, 0, 'weft apply of a bad manifest exits non-zero');
      assert.match(`${bad.stdout}${bad.stderr}`, /spec\.rules\[0\]\.to\[0\]\.operation\.methodz/, 'the message names the field path');
      assert.match(`${bad.stdout}${bad.stderr}`, /AuthorizationPolicy mesh\/deny-forbidden/, 'and the document');

      // The API itself refuses it (not only the CLI): 400 with the same field path.
      const adminToken = (await readFile(join(m.home, 'admin-token'), 'utf8')).trim();
      const res = await fetch(`${controlUrl}/api/v1/apply`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ resources: [parse(badPolicy) as unknown] }),
      });
      const answer = await res.text();
      assert.equal(res.status, 400, answer);
      assert.match(answer, /spec\.rules\[0\]\.to\[0\]\.operation\.methodz|\/spec\/rules\/0\/to\/0\/operation\/methodz/);

      // Nothing of the file was applied.
      const policyAfter = await m.weft(['get', 'authorizationpolicy', 'deny-forbidden', '-n', meshNamespace, '-o', 'json']);
      assert.equal(policyAfter.stdout, policyBefore.stdout, 'the stored policy is unchanged');
      const extra = await m.weft(['get', 'service', 'extra', '-n', meshNamespace]);
      assert.notEqual(extra.code, 0, 'the valid document of the refused file was not applied either');

      await new Promise((resolve) => setTimeout(resolve, 2000)); // steady window after the refusal
      const check = await m.waitForCheck(5000);
      t.diagnostic(check.stdout);
      const statusAfter = await m.proxyStatus();
      for (const p of statusAfter) {
        assert.equal(p.ackedVersion, statusBefore.find((b) => b.key === p.key)?.ackedVersion, `${p.key} still on its version`);
      }
      await load.stop();
      t.diagnostic(`load: ${load.summary()}`);
      t.diagnostic(`failures other than 403:\n${load.describeFailures(bad.exitedAt, 40, (r) => r.status !== 403)}`);
      const okFailures = load.failures({ target: 'client-0→srv-0' });
      assert.equal(okFailures.length, 0, `failed requests to /ok: ${okFailures.slice(0, 5).map((r) => r.reason).join('; ')}`);
      const forbidden = load.results.filter((r) => r.target === 'forbidden');
      assert.ok(forbidden.length > 50, `enough /forbidden requests: ${forbidden.length}`);
      const notDenied = forbidden.filter((r) => r.status !== 403);
      assert.equal(notDenied.length, 0, `/forbidden not denied by the old policy: ${notDenied.slice(0, 5).map((r) => r.reason).join('; ')}`);
    });
  });
}
