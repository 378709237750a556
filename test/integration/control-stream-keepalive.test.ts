// The control stream's keep-alive (the client's own PINGs, `keepAliveMs`), both ways, against the
// real distributor of an in-process control plane, through a TCP relay of the test's own:
// - a quiet stream whose PINGs are answered stays connected over many intervals (no reconnect);
// - when the path goes silent without a FIN (the relay stops forwarding both ways, sockets left
//   open) the client declares the stream lost within about two intervals, and reconnects (hello
//   again, ACKed) once the path works again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ok } from '../../src/core/result.js';
import { createSeededRandom } from '../../src/core/random.js';
import { createSystemClock } from '../../src/core/system-clock.js';
import { signWorkloadCsr } from '../../src/control/ca/sign-workload-csr.js';
import { startControlPlane, type RunningControlPlane } from '../../src/control/control-plane.js';
import { createControlStreamClient, type ControlStreamClient } from '../../src/proxy/control-stream/control-stream-client.js';
import type { SnapshotTarget } from '../../src/proxy/control-stream/handle-control-message.js';
import { createNullLog } from '../../src/proxy/runtime/log.js';
import type { ProxySnapshot } from '../../src/proxy/snapshot/proxy-snapshot.js';
import { parseIdentityMaterial } from '../../src/proxy/tls/identity-material.js';
import { createWorkloadCsr } from '../../src/proxy/tls/pkcs10-csr.js';
import { createTlsCredentials } from '../../src/proxy/tls/tls-credentials.js';
import { eventually } from '../support/processes.js';

const WEB = 'spiffe://cluster.local/ns/shop/sa/web';
const keepAliveMs = 300;
const clock = createSystemClock();

/** A TCP relay that can stop forwarding (both ways, data dropped, sockets left open: no FIN, no RST). */
interface Relay {
  readonly port: number;
  forwarding: boolean;
  /** Connections accepted so far. */
  connections: number;
  /** Bytes forwarded from the distributor to the client so far. */
  bytesToClient: number;
  close(): Promise<void>;
}

async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const relay: Relay = {
    port: 0,
    forwarding: true,
    connections: 0,
    bytesToClient: 0,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((client) => {
    relay.connections++;
    track(client);
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    client.on('data', (chunk: Buffer) => {
      if (relay.forwarding) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!relay.forwarding) return;
      relay.bytesToClient += chunk.length;
      client.write(chunk);
    });
    // A real end on either side is passed on; silence is not.
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(relay, { port: (server.address() as AddressInfo).port });
}

describe('control stream keep-alive by PINGs', () => {
  let home: string;
  let cp: RunningControlPlane;
  let relay: Relay;
  let client: ControlStreamClient;
  const disconnects: { at: number; reason: string }[] = [];
  let current: ProxySnapshot | undefined;
  const target: SnapshotTarget = {
    current: () => current,
    apply: (snapshot) => {
      const next = snapshot as ProxySnapshot;
      const unchanged = current?.version === next.version;
      current = next;
      return Promise.resolve(ok(unchanged ? 'unchanged' : 'applied'));
    },
  };
  const registration = { namespace: 'shop', name: 'web-0', serviceAccount: 'web', labels: { app: 'web' }, addresses: ['127.0.0.1'], ports: [{ port: 8080, protocol: 'http' }] };
  const proxyStatus = (): { connected: boolean; ackedVersion?: string; latestVersion?: string } | undefined =>
    cp.distribution.distributor.status().find((p) => p.key === 'shop/web-0');

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'weft-keepalive-'));
    const started = await startControlPlane({ home, host: '127.0.0.1', port: 0, clock });
    assert.ok(started.ok, started.ok ? '' : started.error.message);
    cp = started.value;
    relay = await startRelay(cp.distribution.address.port);
    const csr = createWorkloadCsr(WEB);
    assert.ok(csr.ok);
    const issued = await signWorkloadCsr(cp.ca.state.signer, csr.value.csrPem, WEB, { clock, lifetimeMs: 3_600_000 });
    assert.ok(issued.ok);
    const material = parseIdentityMaterial({ certPem: issued.value.chainPem, keyPem: csr.value.keyPem, caPem: cp.ca.state.bundle.pem }, clock);
    assert.ok(material.ok, material.ok ? '' : material.error.message);
    client = createControlStreamClient({
      url: `https://127.0.0.1:${relay.port}`,
      registration,
      credentials: createTlsCredentials(material.value, 'STRICT'),
      controlIdentity: 'spiffe://cluster.local/ns/weft-system/sa/weft-control',
      target,
      log: createNullLog(),
      clock,
      random: createSeededRandom(7),
      timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
      backoff: { baseMs: 100, maxMs: 300, minMs: 50 },
      connectTimeoutMs: 1000,
      keepAliveMs,
      onDisconnected: (reason) => disconnects.push({ at: performance.now(), reason }),
    });
    client.start();
  });

  after(async () => {
    await client?.stop();
    await relay?.close();
    await cp?.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('a quiet stream whose PINGs are answered stays connected over many intervals', async () => {
    await eventually(() => {
      const p = proxyStatus();
      return p !== undefined && p.connected && p.ackedVersion !== undefined && p.ackedVersion === p.latestVersion;
    }, 10_000, 'the client connected and ACKed its snapshot');
    const bytesBefore = relay.bytesToClient;
    // Ten keep-alive intervals with nothing to say on the stream.
    await new Promise((resolve) => setTimeout(resolve, 10 * keepAliveMs));
    const state = client.state();
    assert.equal(state.connected, true);
    assert.equal(state.reconnects, 0, `no reconnect; disconnects: ${JSON.stringify(disconnects)}`);
    assert.deepEqual(disconnects, []);
    assert.equal(relay.connections, 1, 'the one connection stayed up');
    // Something did go to and fro meanwhile: the PING answers (the stream itself was quiet).
    assert.ok(relay.bytesToClient > bytesBefore, 'PING answers came back through the relay');
  });

  test('a path gone silent without a FIN is declared lost within about two intervals; the stream comes back with the path', async () => {
    const silentFrom = performance.now();
    relay.forwarding = false;
    await eventually(() => disconnects.length > 0, 10 * keepAliveMs, 'the client declared the stream lost');
    const lost = disconnects[0]!;
    const afterMs = lost.at - silentFrom;
    assert.match(lost.reason, /no answer to a PING from the control plane within 300 ms/);
    // Two intervals at most by design (the next PING, then its deadline); slack for a loaded machine.
    assert.ok(afterMs <= 2 * keepAliveMs + 700, `declared lost ${Math.round(afterMs)} ms after the path went silent (limit ${2 * keepAliveMs} ms + slack)`);
    // While the path is silent, attempts fail (the handshake gets no answer) and are retried.
    await eventually(() => disconnects.length >= 2, 5000, 'a failed attempt while the path is silent');
    assert.equal(client.state().connected, false);
    const connectionsWhileSilent = relay.connections;
    assert.ok(connectionsWhileSilent >= 2, 'the client tried again');

    relay.forwarding = true;
    await eventually(() => client.state().connected, 10_000, 'the client reconnected once the path works');
    assert.ok(client.state().reconnects >= 1);
    await eventually(() => {
      const p = proxyStatus();
      return p !== undefined && p.connected && p.ackedVersion === p.latestVersion;
    }, 10_000, 'the distributor sees it connected again, on the latest version');
  });
});
