// The proxy's side of the distributor stream, against a scripted distributor (the real HTTP/2 mTLS
// server of src/control/distributor with a test double behind it) and the real CA of an in-process
// control plane (certificate lifetime 6 s, so it rotates during the test): hello first, then the
// certificate (again after each rotation); a bad snapshot and patches are NACKed and the version in
// force stays; a lost stream is rejoined with hello again; SIGTERM sends bye; and a proxy restarted
// while the distributor is unreachable serves on the snapshot kept in --state-dir.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createSystemClock } from '../../src/core/system-clock.js';
import { startControlPlane, type RunningControlPlane } from '../../src/control/control-plane.js';
import { signWorkloadCsr } from '../../src/control/ca/sign-workload-csr.js';
import type { Distributor, ProxyConnection } from '../../src/control/distributor/distributor.js';
import { createDistributorServer, type DistributorServer } from '../../src/control/distributor/distributor-server.js';
import type { ControlMessage, ProxyMessage } from '../../src/proxy/control-stream/stream-protocol.js';
import { createWorkloadCsr } from '../../src/proxy/tls/pkcs10-csr.js';
import { adminTokenOf, createBootstrapToken, mtlsGet, type MeshClientTls } from '../support/mesh-clients.js';
import { serverSnapshot } from '../support/mesh-snapshots.js';
import { eventually } from '../support/processes.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

const WEB = 'spiffe://cluster.local/ns/shop/sa/web';
const CLIENT = 'spiffe://cluster.local/ns/shop/sa/client';
const clock = createSystemClock();

interface ScriptedSession {
  readonly identity: string;
  readonly connection: ProxyConnection;
  readonly received: ProxyMessage[];
  closed: boolean;
}

/** A distributor that records what each stream sends and lets the test send anything back. */
function createScriptedDistributor(): Distributor & { sessions: ScriptedSession[]; waitFor(pred: () => boolean, what: string, ms?: number): Promise<void> } {
  const sessions: ScriptedSession[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  return {
    sessions,
    waitFor(pred, what, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pred()) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; received: ${JSON.stringify(sessions.map((s) => s.received.map((m) => m.type)))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    start: () => Promise.resolve({ ok: true, value: undefined }),
    connect(identity, connection) {
      const s: ScriptedSession = { identity, connection, received: [], closed: false };
      sessions.push(s);
      notify();
      return {
        receive(m) {
          s.received.push(m);
          notify();
        },
        closed() {
          s.closed = true;
          notify();
        },
      };
    },
    status: () => [],
    snapshotOf: () => undefined,
    flush: () => undefined,
    close: () => undefined,
  };
}

describe('the proxy on a scripted distributor stream', () => {
  let home: string;
  let dir: string;
  let cp: RunningControlPlane;
  let apiUrl: string;
  let scripted: ReturnType<typeof createScriptedDistributor>;
  let server: DistributorServer;
  let distPort: number;
  let app: Server;
  let appPort: number;
  let listenPort: number;
  let proxy: ProxyProcess;
  let client: MeshClientTls;
  let webToken: string;
  let webTokenId: string;
  const stateDir = (): string => join(dir, 'state');
  const registration = (): Record<string, unknown> => ({ namespace: 'shop', name: 'web-0', serviceAccount: 'web', labels: { app: 'web' }, addresses: ['127.0.0.1'], ports: [{ port: appPort, protocol: 'http', dialPort: listenPort }] });
  const snap = (version: string, policies: Parameters<typeof serverSnapshot>[0]['policies'] = []): Record<string, unknown> =>
    serverSnapshot({ version, ns: 'shop', sa: 'web', ports: [{ appPort, listenPort, protocol: 'http' }], policies });
  const last = (): ScriptedSession => {
    const s = scripted.sessions.at(-1);
    assert.ok(s !== undefined, 'a stream is open');
    return s;
  };
  const send = (m: ControlMessage | Record<string, unknown>): void => last().connection.send(m as ControlMessage);
  const receivedOf = (type: string): ProxyMessage[] => last().received.filter((m) => m.type === type);
  const versionInForce = async (): Promise<string> => (JSON.parse((await proxy.admin('/config')).body) as { version: string }).version;

  const startDistributor = async (port: number): Promise<void> => {
    const id = 'spiffe://cluster.local/ns/weft-system/sa/weft-control';
    const csr = createWorkloadCsr(id);
    assert.ok(csr.ok);
    const issued = await signWorkloadCsr(cp.ca.state.signer, csr.value.csrPem, id, { clock, lifetimeMs: 3_600_000 });
    assert.ok(issued.ok);
    server = createDistributorServer({ distributor: scripted, certPem: issued.value.chainPem, keyPem: csr.value.keyPem, caPem: cp.ca.state.bundle.pem });
    await server.listen('127.0.0.1', port);
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'weft-stream-home-'));
    dir = mkdtempSync(join(tmpdir(), 'weft-stream-'));
    const started = await startControlPlane({ home, host: '127.0.0.1', port: 0, clock, certificateLifetimeMs: 6000 });
    assert.ok(started.ok, started.ok ? '' : started.error.message);
    cp = started.value;
    apiUrl = `http://127.0.0.1:${cp.address.port}`;
    scripted = createScriptedDistributor();
    distPort = await freePort();
    await startDistributor(distPort);
    app = createServer((req, res) => res.end(`hello ${req.url ?? ''}`));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appPort = (app.address() as AddressInfo).port;
    listenPort = await freePort();
    ({ token: webToken, id: webTokenId } = await createBootstrapToken(apiUrl, home, 'shop', 'web'));
    // The peer's certificate outlives the test (the CA's own lifetime here is 6 s, for the proxy's renewals).
    const clientCsr = createWorkloadCsr(CLIENT);
    assert.ok(clientCsr.ok);
    const clientCert = await signWorkloadCsr(cp.ca.state.signer, clientCsr.value.csrPem, CLIENT, { clock, lifetimeMs: 3_600_000 });
    assert.ok(clientCert.ok);
    client = { certPem: clientCert.value.chainPem, keyPem: clientCsr.value.keyPem, caPem: cp.ca.state.bundle.pem };
  });

  after(async () => {
    await proxy?.stop();
    await server?.close();
    await cp?.close();
    await new Promise<void>((resolve) => app.close(() => resolve()));
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('hello with the registration, then the certificate; not ready until the first snapshot applies', async () => {
    const adminPort = await freePort();
    const starting = startWeftProxy({ dir, name: 'web', extraArgs: ['--admin-port', String(adminPort)], control: { controlUrl: apiUrl, token: webToken, registration: registration(), distributor: `127.0.0.1:${distPort}`, stateDir: stateDir() } });
    await scripted.waitFor(() => scripted.sessions.length === 1 && receivedOf('certificate').length === 1, 'hello and certificate');
    const s = last();
    assert.equal(s.identity, WEB, 'the stream is made with the CA-issued certificate');
    assert.deepEqual(s.received[0], { type: 'hello', registration: registration() });
    const cert = receivedOf('certificate')[0] as Extract<ProxyMessage, { type: 'certificate' }>;
    assert.equal(cert.spiffeId, WEB);
    assert.match(cert.fingerprint, /^[0-9a-f]{64}$/);
    assert.ok(cert.notAfter > Date.now() && cert.notAfter <= Date.now() + 7000);
    // Certificate but no snapshot yet: the admin port answers, not ready, and says why.
    const notReady = await fetch(`http://127.0.0.1:${adminPort}/ready`);
    assert.equal(notReady.status, 503);
    const early = (await (await fetch(`http://127.0.0.1:${adminPort}/stats`)).json()) as { version: unknown; control: { connected: boolean; certificate: { ready: boolean } } };
    assert.equal(early.version, null);
    assert.equal(early.control.connected, true);
    assert.equal(early.control.certificate.ready, true);
    // A snapshot that does not validate is NACKed and changes nothing.
    send({ type: 'snapshot', snapshot: { ...snap('broken'), workload: {} } });
    await scripted.waitFor(() => receivedOf('nack').length === 1, 'a NACK of the broken first snapshot');
    assert.equal((receivedOf('nack')[0] as { version: string }).version, 'broken');
    send({ type: 'snapshot', snapshot: snap('v1') });
    proxy = await starting;
    await scripted.waitFor(() => receivedOf('ack').length === 1, 'the ACK of v1');
    assert.deepEqual(receivedOf('ack')[0], { type: 'ack', version: 'v1' });
    assert.equal(await versionInForce(), 'v1');
    assert.equal((await proxy.admin('/ready')).status, 200);
    assert.equal((await mtlsGet(listenPort, client)).status, 200);
    // Kept for a restart: the snapshot, never a key.
    const kept = JSON.parse(readFileSync(join(stateDir(), 'snapshot.json'), 'utf8')) as { version: string };
    assert.equal(kept.version, 'v1');
  });

  test('a new snapshot applies and is enforced; a bad one is NACKed with the reason and the old one stays', async () => {
    send({ type: 'snapshot', snapshot: snap('v2', [{ name: 'admin-only', spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['spiffe://cluster.local/ns/shop/sa/admin'] } }] }] } }]) });
    await scripted.waitFor(() => receivedOf('ack').some((m) => (m as { version: string }).version === 'v2'), 'the ACK of v2');
    assert.equal((await mtlsGet(listenPort, client)).status, 403);
    const bad = snap('v3-bad');
    (bad['mesh'] as Record<string, unknown>)['mtlsMode'] = 'SOMETIMES';
    send({ type: 'snapshot', snapshot: bad });
    await scripted.waitFor(() => receivedOf('nack').some((m) => (m as { version: string }).version === 'v3-bad'), 'the NACK of v3-bad');
    const nack = receivedOf('nack').find((m) => (m as { version: string }).version === 'v3-bad') as { reason: string };
    assert.match(nack.reason, /mtlsMode/);
    assert.equal(await versionInForce(), 'v2');
    assert.equal((await mtlsGet(listenPort, client)).status, 403, 'the policy of v2 is still enforced');
    const stats = JSON.parse((await proxy.admin('/stats')).body) as { control: { lastNack?: { version: string } } };
    assert.equal(stats.control.lastNack?.version, 'v3-bad');
  });

  test('a patch on the version in force applies (ACK); one on another base is NACKed with "base mismatch"', async () => {
    send({ type: 'patch', base: 'v1', version: 'v4', upsert: [] });
    await scripted.waitFor(() => receivedOf('nack').some((m) => (m as { version: string }).version === 'v4'), 'the NACK of v4');
    const n = receivedOf('nack').find((m) => (m as { version: string }).version === 'v4') as { reason: string };
    assert.ok(n.reason.startsWith('base mismatch'), n.reason);
    assert.equal(await versionInForce(), 'v2');
    // A patch that removes a service the snapshot does not have does not apply: base mismatch too.
    send({ type: 'patch', base: 'v2', version: 'v4b', remove: [{ namespace: 'shop', name: 'nothing', port: 80 }] });
    await scripted.waitFor(() => receivedOf('nack').some((m) => (m as { version: string }).version === 'v4b'), 'the NACK of v4b');
    assert.ok((receivedOf('nack').find((m) => (m as { version: string }).version === 'v4b') as { reason: string }).reason.startsWith('base mismatch'));
    send({ type: 'patch', base: 'v2', version: 'v5', upsert: [] });
    await scripted.waitFor(() => receivedOf('ack').some((m) => (m as { version: string }).version === 'v5'), 'the ACK of v5');
    assert.equal(await versionInForce(), 'v5');
    assert.equal((await mtlsGet(listenPort, client)).status, 403, 'the inbound policy of v2 carried over');
  });

  test('each renewed certificate is reported on the open stream', async () => {
    const first = receivedOf('certificate')[0] as { fingerprint: string };
    await scripted.waitFor(() => receivedOf('certificate').length >= 2, 'a second certificate report', 8000);
    const second = receivedOf('certificate')[1] as { fingerprint: string; spiffeId: string };
    assert.notEqual(second.fingerprint, first.fingerprint);
    assert.equal(second.spiffeId, WEB);
    await proxy.waitForLog('"msg":"certificate renewed"');
    assert.equal((await mtlsGet(listenPort, client)).status, 403, 'serving with the new certificate');
  });

  test('a lost stream: the proxy keeps serving, reconnects and says hello again, and takes the snapshot', async () => {
    const before = scripted.sessions.length;
    const mark = proxy.logs.length;
    last().connection.close('WEFT_CONTROL_SUPERSEDED', 'test: go away');
    await proxy.waitForLog('control stream lost', 5000, mark);
    assert.equal((await mtlsGet(listenPort, client)).status, 403);
    await scripted.waitFor(() => scripted.sessions.length === before + 1 && last().received[0]?.type === 'hello', 'a new stream with hello', 8000);
    assert.ok(proxy.logs.slice(mark).some((l) => l.includes('WEFT_CONTROL_SUPERSEDED')), 'the reason is logged');
    send({ type: 'snapshot', snapshot: snap('v5') });
    await scripted.waitFor(() => receivedOf('ack').length === 1, 'the ACK on the new stream');
    assert.deepEqual(receivedOf('ack')[0], { type: 'ack', version: 'v5' }, 'the version in force is unchanged: ACKed');
    send({ type: 'snapshot', snapshot: snap('v6') });
    await scripted.waitFor(() => receivedOf('ack').length === 2, 'the ACK of v6');
    assert.equal((await mtlsGet(listenPort, client)).status, 200);
  });

  test('SIGTERM sends bye before the stream closes', async () => {
    const s = last();
    assert.equal(await proxy.stop(), 0);
    await scripted.waitFor(() => s.closed, 'the stream closed');
    assert.equal(s.received.at(-1)?.type, 'bye');
  });

  test('restarted while the distributor is unreachable, the proxy serves on the snapshot kept in --state-dir', async () => {
    await server.close();
    proxy = await startWeftProxy({ dir, name: 'web2', control: { controlUrl: apiUrl, token: webToken, registration: registration(), distributor: `127.0.0.1:${distPort}`, stateDir: stateDir() } });
    assert.equal(await versionInForce(), 'v6');
    assert.ok(proxy.logs.some((l) => l.includes('applying the cached snapshot')));
    assert.equal((await mtlsGet(listenPort, client)).status, 200);
    // When the distributor is back, the proxy rejoins and ACKs what it is sent.
    const before = scripted.sessions.length;
    await startDistributor(distPort);
    await scripted.waitFor(() => scripted.sessions.length > before && receivedOf('hello').length === 1, 'the rejoin', 10_000);
    send({ type: 'snapshot', snapshot: snap('v6') });
    await scripted.waitFor(() => receivedOf('ack').length === 1, 'the ACK of the same version');
    assert.deepEqual(receivedOf('ack')[0], { type: 'ack', version: 'v6' });
    await eventually(async () => (JSON.parse((await proxy.admin('/stats')).body) as { control: { connected: boolean } }).control.connected, 3000, 'connected');
  });

  test('its token revoked, the proxy gets no new certificate and stops being ready when the one it has expires', async () => {
    const res = await fetch(`${apiUrl}/api/v1/tokens/${webTokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminTokenOf(home)}` } });
    assert.equal(res.status, 200);
    const mark = proxy.logs.length;
    await proxy.waitForLog('WEFT_CA_TOKEN_REVOKED', 8000, mark);
    await eventually(async () => (await proxy.admin('/ready')).status === 503, 8000, 'not ready once the certificate expired');
    const stats = JSON.parse((await proxy.admin('/stats')).body) as { control: { certificate: { ready: boolean; lastError?: { code: string } } } };
    assert.equal(stats.control.certificate.ready, false);
    assert.equal(stats.control.certificate.lastError?.code, 'WEFT_CA_TOKEN_REVOKED');
    // Its peers refuse it: the certificate it still presents has expired.
    await assert.rejects(mtlsGet(listenPort, client), /certificate has expired/);
  });
});
