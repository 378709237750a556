// Issue 3 acceptance: certificate rotation under steady traffic. A real control plane (in process,
// real HTTP API, certificate lifetime 8 s) issues the certificates of a real mTLS server and client
// through their identity clients; requests flow continuously over a kept-alive connection and over
// new connections while the certificates roll over several times, with zero failures. Then the
// client's bootstrap token is revoked: it gets no new certificate, and once its certificate has
// expired the server refuses it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type tls from 'node:tls';
import { createSystemClock } from '../../src/core/system-clock.js';
import { createSystemRandom } from '../../src/core/random.js';
import { startControlPlane, type RunningControlPlane } from '../../src/control/control-plane.js';
import { createHttpCertificateRequester } from '../../src/proxy/identity-client/certificate-requester.js';
import { createIdentityClient, type IdentityClient } from '../../src/proxy/identity-client/identity-client.js';
import { createTlsCredentials, type TlsCredentials } from '../../src/proxy/tls/tls-credentials.js';

const SERVER = 'spiffe://cluster.local/ns/shop/sa/server';
const CLIENT = 'spiffe://cluster.local/ns/shop/sa/client';
const LIFETIME_MS = 8000;
const clock = createSystemClock();
const timers = { setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

let home: string;
let cp: RunningControlPlane;
const cleanups: (() => void | Promise<void>)[] = [];

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-rotation-'));
  const started = await startControlPlane({ home, host: '127.0.0.1', port: 0, clock, certificateLifetimeMs: LIFETIME_MS });
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  cp = started.value;
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  await cp.close();
  rmSync(home, { recursive: true, force: true });
});

async function identity(spiffeId: string, serviceAccount: string): Promise<{ client: IdentityClient; credentials: TlsCredentials; tokenId: string }> {
  const created = cp.ca.tokens.create({ namespace: 'shop', serviceAccount });
  assert.ok(created.ok);
  const client = createIdentityClient({
    spiffeId,
    requester: createHttpCertificateRequester({ controlUrl: `http://127.0.0.1:${cp.address.port}`, token: created.value.token }),
    clock,
    random: createSystemRandom(),
    timers,
    timing: { retryBaseMs: 200, retryMaxMs: 1000 },
  });
  cleanups.push(() => client.stop());
  client.start();
  const credentials = createTlsCredentials(await client.whenReady(), 'STRICT');
  client.onMaterial((m) => credentials.update(m));
  return { client, credentials, tokenId: created.value.info.id };
}

/** Sends one line and waits for one line back on a line-echo connection. */
function createLineChannel(socket: tls.TLSSocket): (line: string) => Promise<string> {
  let buffered = '';
  const waiting: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  socket.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiting.shift()?.resolve(line);
    }
  });
  const failAll = (e: Error): void => {
    for (const w of waiting.splice(0)) w.reject(e);
  };
  socket.on('error', failAll);
  socket.on('close', () => failAll(new Error('closed')));
  return (line) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${line} in 5 s`)), 5000);
      waiting.push({
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      socket.write(`${line}\n`);
    });
}

function connected(socket: tls.TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('handshake timed out'));
    }, 5000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (e: Error) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

test('certificates roll over several times under steady traffic with zero failures; a revoked client is refused once its certificate expires', async () => {
  const server = await identity(SERVER, 'server');
  const client = await identity(CLIENT, 'client');

  const clientCertsSeenByServer = new Set<string>();
  const refusals: string[] = [];
  const tlsServer = server.credentials.createServer({
    onSecure: (socket, peerId) => {
      clientCertsSeenByServer.add(socket.getPeerCertificate().fingerprint256);
      socket.on('error', () => undefined);
      let buffered = '';
      socket.on('data', (d: Buffer) => {
        buffered += d.toString();
        for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
          const line = buffered.slice(0, i);
          buffered = buffered.slice(i + 1);
          socket.write(`${line} ${peerId}\n`);
        }
      });
    },
    onFailure: (reason) => refusals.push(reason),
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => tlsServer.close(() => resolve())));
  const peer = { host: '127.0.0.1', port: (tlsServer.address() as AddressInfo).port, expectedIds: [SERVER] };

  const kept = client.credentials.connect(peer);
  await connected(kept);
  const keptSend = createLineChannel(kept);
  cleanups.push(() => void kept.destroy());

  const serverCertsSeenByClient = new Set<string>();
  const failures: string[] = [];
  let keptOk = 0;
  let newOk = 0;
  let running = true;
  const keptLoop = (async () => {
    for (let n = 0; running; n++) {
      try {
        assert.equal(await keptSend(`k${n}`), `k${n} ${CLIENT}`);
        keptOk++;
      } catch (e) {
        failures.push(`kept-alive k${n}: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const newLoop = async (name: string): Promise<void> => {
    for (let n = 0; running; n++) {
      const socket = client.credentials.connect(peer);
      try {
        await connected(socket);
        serverCertsSeenByClient.add(socket.getPeerCertificate().fingerprint256);
        const send = createLineChannel(socket);
        assert.equal(await send(`${name}${n}`), `${name}${n} ${CLIENT}`);
        newOk++;
      } catch (e) {
        failures.push(`new connection ${name}${n}: ${(e as Error).message}`);
      } finally {
        socket.destroy();
      }
    }
  };
  const newLoops = [newLoop('a'), newLoop('b')];

  // Run until both sides have rolled over at least three times (about 2/3 × 8 s each), bounded.
  const deadline = Date.now() + 30_000;
  while ((server.client.state().issued < 4 || client.client.state().issued < 4) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  running = false;
  await Promise.all([keptLoop, ...newLoops]);

  assert.deepEqual(failures, [], 'no request failed during rotation');
  assert.deepEqual(refusals, [], 'the server refused no handshake during rotation');
  assert.ok(server.client.state().issued >= 4 && client.client.state().issued >= 4, `issued: server ${server.client.state().issued}, client ${client.client.state().issued}`);
  assert.ok(serverCertsSeenByClient.size >= 3, `the client saw ${serverCertsSeenByClient.size} server certificates`);
  assert.ok(clientCertsSeenByServer.size >= 3, `the server saw ${clientCertsSeenByServer.size} client certificates`);
  assert.ok(keptOk > 50 && newOk > 50, `kept-alive ${keptOk}, new connections ${newOk}`);

  // Revoke the client's token through the API, as `weft token revoke` does.
  const adminToken = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  const res = await fetch(`http://127.0.0.1:${cp.address.port}/api/v1/tokens/${client.tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(res.status, 200);
  const lastCert = client.client.material();
  assert.ok(lastCert !== undefined);
  const issuedAtRevoke = client.client.state().issued;

  // Wait until the client's certificate has expired (bounded by its lifetime), then it must be refused.
  while (Date.now() < lastCert.notAfter + 1500 && Date.now() < lastCert.notAfter + 10_000) await new Promise((r) => setTimeout(r, 100));
  assert.equal(client.client.state().issued, issuedAtRevoke, 'a revoked token gets no new certificate');
  assert.equal(client.client.state().lastError?.code, 'WEFT_CA_TOKEN_REVOKED');
  assert.equal(client.client.isReady(), false);
  assert.equal(client.client.material(), lastCert, 'the client still holds its last (now expired) certificate');
  assert.ok(server.client.isReady(), 'the server is still renewed');

  const refusedBefore = refusals.length;
  const late = client.credentials.connect(peer);
  const outcome = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), 5000);
    late.on('error', (e) => {
      clearTimeout(timer);
      resolve(`error: ${e.message}`);
    });
    late.once('secureConnect', () => {
      // TLS 1.3: the client finishes before the server has checked its certificate; the server's
      // verdict arrives as an alert (error) or the connection closes without an answer.
      const send = createLineChannel(late);
      send('late').then(
        (l) => {
          clearTimeout(timer);
          resolve(`answered: ${l}`);
        },
        (e: Error) => {
          clearTimeout(timer);
          resolve(`error: ${e.message}`);
        },
      );
    });
  });
  late.destroy();
  assert.ok(!outcome.startsWith('answered'), `the expired client must be refused, got ${outcome}`);
  // The server saw the refusal as an expired certificate.
  const deadline2 = Date.now() + 5000;
  while (refusals.length === refusedBefore && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(refusals.slice(refusedBefore), ['expired'], `server refusal reasons: ${refusals.slice(refusedBefore).join(', ')}`);
});
