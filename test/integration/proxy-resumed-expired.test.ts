// A resumed TLS session skips certificate verification. The inbound proxy must still refuse a peer
// whose certificate has expired since the full handshake: otherwise a workload whose bootstrap token
// was revoked keeps its access by resuming. Checked against a real `weft proxy` with a real client
// that resumes its session before and after its certificate runs out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { createTestPki, type TestPki } from '../support/pki.js';
import { serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

const LIFETIME_MS = 5000;

let pki: TestPki;
let app: Server;
let proxy: ProxyProcess;
let listenPort: number;
let client: { certPem: string; keyPem: string; notAfter: number };

before(async () => {
  pki = await createTestPki();
  const server = await pki.issue(spiffe('prod', 'backend'));
  // Valid from now (no backdating) for a few seconds; the test waits for it to run out.
  const issued = await pki.issue(spiffe('shop', 'web'), { lifetimeMs: LIFETIME_MS, backdateMs: 0 });
  client = { certPem: await readFile(issued.certPath, 'utf8'), keyPem: await readFile(issued.keyPath, 'utf8'), notAfter: issued.notAfter };
  app = createServer((s) => s.on('error', () => undefined).pipe(s));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as { port: number }).port;
  listenPort = await freePort();
  proxy = await startWeftProxy({
    dir: pki.dir, name: 'server', certPath: server.certPath, keyPath: server.keyPath, caPath: pki.caPath,
    snapshot: serverSnapshot({ version: 's1', ns: 'prod', sa: 'backend', ports: [{ appPort, listenPort, protocol: 'tcp' }] }),
  });
});

after(async () => {
  await proxy?.stop();
  app?.close();
  await pki?.cleanup();
});

interface Exchange {
  readonly echoed: string;
  readonly reused: boolean;
  readonly session: Buffer | undefined;
}

/** One TCP exchange over mTLS (ALPN weft-tcp), optionally resuming `session`. */
function exchange(session?: Buffer): Promise<Exchange> {
  return new Promise((resolve) => {
    let echoed = '';
    let ticket: Buffer | undefined;
    let reused = false;
    const socket: TLSSocket = connect({
      host: '127.0.0.1', port: listenPort, ca: pki.caPem, cert: client.certPem, key: client.keyPem,
      minVersion: 'TLSv1.3', ALPNProtocols: ['weft-tcp'], checkServerIdentity: () => undefined,
      ...(session ? { session } : {}),
    });
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('session', (s: Buffer) => (ticket = s));
    socket.on('secureConnect', () => {
      reused = socket.isSessionReused();
      socket.write('ping\n');
    });
    socket.on('data', (d: Buffer) => {
      echoed += d.toString();
      if (echoed.includes('\n')) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ echoed, reused, session: ticket });
    });
  });
}

test('a resumed session is accepted while the certificate is valid, refused once it has expired', async () => {
  const first = await exchange();
  assert.equal(first.echoed, 'ping\n');
  assert.ok(first.session, 'the proxy issued a session ticket');

  // While the certificate is valid, resumption works (so the check below exercises resumption).
  const resumed = await exchange(first.session);
  assert.equal(resumed.reused, true, 'the session was resumed');
  assert.equal(resumed.echoed, 'ping\n');

  const wait = client.notAfter - Date.now() + 1200;
  await new Promise((r) => setTimeout(r, Math.max(0, wait)));

  const late = await exchange(resumed.session ?? first.session);
  assert.equal(late.reused, true, 'the client resumed the old session');
  assert.equal(late.echoed, '', 'the proxy refused a resumed session whose certificate expired');
  const metrics = await fetch(`http://127.0.0.1:${proxy.adminPort}/metrics`).then((r) => r.text());
  assert.match(metrics, /weft_proxy_tls_handshake_failures_total\{[^}]*reason="expired"[^}]*\} [1-9]/);
});
