// Found by mesh-cert-rotation on a loaded machine: a STRICT inbound port takes a peer proxy's mTLS
// connection for plaintext ("plaintext refused on a STRICT port") when the ClientHello comes later than
// the protocol-detection timeout (200 ms), e.g. because either proxy's event loop was busy for that
// long; the request fails with 503 "TLS handshake ... failed: Client network socket disconnected". On a
// STRICT port nothing but TLS is accepted, so a late ClientHello must still be served (the TLS
// handshake timeout bounds the wait). Checked with a real `weft proxy` and a real client that connects,
// waits 500 ms, then handshakes and sends a request.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect as netConnect } from 'node:net';
import { after, before, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { createTestPki, type TestPki } from '../support/pki.js';
import { serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

let pki: TestPki;
let app: Server;
let proxy: ProxyProcess;
let listenPort: number;
let client: { cert: string; key: string };

before(async () => {
  pki = await createTestPki();
  const server = await pki.issue(spiffe('prod', 'backend'));
  const issued = await pki.issue(spiffe('shop', 'web'));
  client = { cert: await readFile(issued.certPath, 'utf8'), key: await readFile(issued.keyPath, 'utf8') };
  app = createServer((_req, res) => res.end('hello'));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as { port: number }).port;
  listenPort = await freePort();
  proxy = await startWeftProxy({
    dir: pki.dir, name: 'server', certPath: server.certPath, keyPath: server.keyPath, caPath: pki.caPath,
    snapshot: serverSnapshot({ version: 's1', ns: 'prod', sa: 'backend', ports: [{ appPort, listenPort, protocol: 'http' }] }),
  });
});

after(async () => {
  await proxy?.stop();
  app?.close();
  await pki?.cleanup();
});

/** Connects, waits `delayMs` before the TLS handshake, sends one HTTP/1.1 request (ALPN weft-http1); resolves to the answer or the error. */
function lateRequest(delayMs: number): Promise<string> {
  return new Promise((resolve) => {
    const raw = netConnect({ host: '127.0.0.1', port: listenPort }, () => {
      setTimeout(() => {
        const s = tlsConnect({ socket: raw, ca: pki.caPem, cert: client.cert, key: client.key, minVersion: 'TLSv1.3', ALPNProtocols: ['weft-http1'], checkServerIdentity: () => undefined });
        let answer = '';
        s.on('secureConnect', () => s.write('GET / HTTP/1.1\r\nhost: backend\r\nconnection: close\r\n\r\n'));
        s.setEncoding('utf8').on('data', (c: string) => (answer += c));
        s.on('end', () => resolve(answer));
        s.on('error', (e) => resolve(`error: ${e.message}`));
        s.on('close', () => resolve(answer === '' ? 'closed without an answer' : answer));
      }, delayMs);
    });
    raw.on('error', (e) => resolve(`error: ${e.message}`));
    // Bounded: whatever happens, an answer within 10 s.
    setTimeout(() => resolve('no answer in 10 s'), 10_000).unref();
  });
}

test('a STRICT inbound port serves a ClientHello that comes right away', async () => {
  assert.match(await lateRequest(0), /^HTTP\/1\.1 200/);
});

test('a STRICT inbound port serves a ClientHello that comes 500 ms after the connection (longer than the detection timeout)', async () => {
  const answer = await lateRequest(500);
  assert.match(answer, /^HTTP\/1\.1 200/, `answer: ${answer}; proxy log: ${proxy.logs.filter((l) => l.includes('plaintext')).join('\n')}`);
});
