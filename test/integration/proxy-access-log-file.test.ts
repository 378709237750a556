// `weft proxy --access-log FILE`: the access-log lines of a workload whose snapshot turns logging on
// go to that file (appended), one JSON line per TCP connection, with the peer identity proved by TLS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { connect } from 'node:tls';
import { createTestPki, type TestPki } from '../support/pki.js';
import { serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

let pki: TestPki;
let app: Server;
let proxy: ProxyProcess;
let listenPort: number;
let logFile: string;
let client: { certPem: string; keyPem: string };

before(async () => {
  pki = await createTestPki();
  const server = await pki.issue(spiffe('prod', 'backend'));
  const issued = await pki.issue(spiffe('shop', 'web'));
  client = { certPem: issued.certPem, keyPem: issued.keyPem };
  app = createServer((s) => s.on('error', () => undefined).pipe(s));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as { port: number }).port;
  listenPort = await freePort();
  logFile = join(pki.dir, 'access.log');
  const snapshot = serverSnapshot({ version: 's1', ns: 'prod', sa: 'backend', ports: [{ appPort, listenPort, protocol: 'tcp' }] });
  const withLog = { ...snapshot, inbound: { ...(snapshot.inbound as Record<string, unknown>), accessLog: true } };
  proxy = await startWeftProxy({
    dir: pki.dir, name: 'server', certPath: server.certPath, keyPath: server.keyPath, caPath: pki.caPath,
    snapshot: withLog, extraArgs: ['--access-log', logFile],
  });
});

after(async () => {
  await proxy?.stop();
  app?.close();
  await pki?.cleanup();
});

function exchange(): Promise<string> {
  return new Promise((resolve) => {
    let echoed = '';
    const socket = connect({
      host: '127.0.0.1', port: listenPort, ca: pki.caPem, cert: client.certPem, key: client.keyPem,
      minVersion: 'TLSv1.3', ALPNProtocols: ['weft-tcp'], checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('secureConnect', () => socket.write('ping\n'));
    socket.on('data', (d: Buffer) => {
      echoed += d.toString();
      if (echoed.includes('\n')) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(echoed);
    });
  });
}

test('access-log lines go to the --access-log file, one per TCP connection, with the TLS identity', async () => {
  assert.equal(await exchange(), 'ping\n');
  // Lines are batched and flushed within a second; wait for the line, bounded.
  let text = '';
  for (const deadline = Date.now() + 5000; Date.now() < deadline && !text.includes('\n'); ) {
    text = await readFile(logFile, 'utf8').catch(() => '');
    if (!text.includes('\n')) await new Promise((r) => setTimeout(r, 100));
  }
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 1, text);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.direction, 'inbound');
  assert.equal(line.protocol, 'tcp');
  assert.equal(line.source_principal, spiffe('shop', 'web'));
  assert.equal(line.bytes_in, 5);
  assert.equal(line.bytes_out, 5);
  assert.equal(line.authz, 'allowed');
  assert.ok(!proxy.stdoutLines.some((l) => l.includes('"source_principal"')), 'nothing logged to stdout');
});
