// Two real `weft proxy` processes in front of a real redis-server: opaque TCP over mTLS (ALPN weft-tcp),
// STRICT refusals checked with openssl s_client and raw sockets, L4 authorization re-evaluated on a
// snapshot reload (an open Redis connection is closed), admin endpoints and `promtool check metrics`.
import assert from 'node:assert/strict';
import { rename } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestPki, type IssuedFiles, type TestPki } from '../support/pki.js';
import { clientSnapshot, serverSnapshot, spiffe } from '../support/mesh-snapshots.js';
import { eventually, run, startRedis } from '../support/processes.js';
import { freePort, startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

describe('opaque TCP and mutual TLS through two proxies', () => {
  let pki: TestPki;
  let web: IssuedFiles;
  let backend: IssuedFiles;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let client: ProxyProcess;
  let server: ProxyProcess;
  let redisPort: number;
  let serverListen: number;
  let clientListen: number;
  const serverSnap = (version: string, policies: readonly { name: string; spec: Record<string, unknown> }[] = []): Record<string, unknown> =>
    serverSnapshot({ version, ns: 'prod', sa: 'backend', ports: [{ appPort: redisPort, listenPort: serverListen, protocol: 'tcp' }], policies });

  before(async () => {
    pki = await createTestPki();
    web = await pki.issue(spiffe('shop', 'web'));
    backend = await pki.issue(spiffe('prod', 'backend'));
    [redisPort, serverListen, clientListen] = [await freePort(), await freePort(), await freePort()];
    redis = await startRedis(redisPort);
    server = await startWeftProxy({ dir: pki.dir, name: 'server', snapshot: serverSnap('s1'), certPath: backend.certPath, keyPath: backend.keyPath, caPath: pki.caPath });
    client = await startWeftProxy({
      dir: pki.dir, name: 'client', certPath: web.certPath, keyPath: web.keyPath, caPath: pki.caPath,
      snapshot: clientSnapshot({ version: 'c1', ns: 'shop', sa: 'web', accessLog: true, services: [
        { name: 'redis', namespace: 'prod', port: 6379, protocol: 'tcp', listenPort: clientListen, endpointPort: serverListen, identity: spiffe('prod', 'backend') },
      ] }),
    });
  });

  after(async () => {
    await client?.stop();
    await server?.stop();
    await redis?.stop();
    await pki?.cleanup();
  });

  const redisCli = (...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(clientListen), ...args], { timeoutMs: 5000 });

  test('redis-cli through both proxies: PING, SET and GET', async () => {
    assert.equal((await redisCli('PING')).stdout.trim(), 'PONG');
    assert.equal((await redisCli('SET', 'k', 'v1')).stdout.trim(), 'OK');
    assert.equal((await redisCli('GET', 'k')).stdout.trim(), 'v1');
    const big = 'x'.repeat(1 << 20);
    assert.equal((await run('redis-cli', ['-h', '127.0.0.1', '-p', String(clientListen), '-x', 'SET', 'big'], { input: big })).stdout.trim(), 'OK');
    assert.equal((await redisCli('STRLEN', 'big')).stdout.trim(), String(1 << 20));
  });

  test('TCP tunnels after the first resume the TLS session with the server proxy', async () => {
    // Each redis-cli call is a new connection, so a new mTLS tunnel: the first ones may do a full
    // handshake (the TLS 1.3 ticket arrives after it), the later ones offer the ticket and resume.
    for (let i = 0; i < 4; i++) assert.equal((await redisCli('PING')).stdout.trim(), 'PONG');
    const dials = async (): Promise<Record<string, number>> => {
      const stats = JSON.parse((await client.admin('/stats')).body) as { counters: Record<string, Record<string, number>> };
      return stats.counters['weft_proxy_mesh_dials_total'] ?? {};
    };
    const d = await dials();
    assert.ok((d['tcp,true'] ?? 0) >= 3, `resumed tunnels: ${JSON.stringify(d)}`);
    assert.ok((d['tcp,false'] ?? 0) >= 1, `the first tunnel made a full handshake: ${JSON.stringify(d)}`);
    const metrics = (await client.admin('/metrics')).body;
    assert.match(metrics, /weft_proxy_mesh_dials_total\{protocol="tcp",resumed="true"\} \d+/);
  });

  const sClient = (extra: string[]) => run('openssl', ['s_client', '-connect', `127.0.0.1:${serverListen}`, '-CAfile', pki.caPath, '-ign_eof', ...extra], { input: 'PING\r\nQUIT\r\n', timeoutMs: 8000 });

  test('the client proxy writes one JSON access-log line per TCP connection (on for this workload)', async () => {
    await eventually(() => client.stdoutLines.some((l) => l.includes('"protocol":"tcp"')), 5000, 'an access-log line');
    const line = JSON.parse(client.stdoutLines.find((l) => l.includes('"protocol":"tcp"'))!) as Record<string, unknown>;
    assert.equal(line['direction'], 'outbound');
    assert.equal(line['destination_service'] ?? line['destinationService'], 'redis.prod');
    assert.equal(server.stdoutLines.length, 0, 'off on the server proxy');
  });

  test('mTLS on the wire: a client certificate gets TLS 1.3 and reaches the app', async () => {
    const r = await sClient(['-cert', web.certPath, '-key', web.keyPath]);
    assert.match(r.stdout, /TLSv1\.3/);
    assert.match(r.stdout, /\+PONG/);
  });

  test('STRICT: no client certificate, a rogue CA, an expired certificate and plaintext are refused', async () => {
    const before = (await server.admin('/metrics')).body;
    const none = await sClient([]);
    assert.doesNotMatch(none.stdout, /\+PONG/);
    const rogue = await pki.rogue(spiffe('shop', 'web'));
    const r1 = await sClient(['-cert', rogue.certPath, '-key', rogue.keyPath]);
    assert.doesNotMatch(r1.stdout, /\+PONG/);
    const expired = await pki.expired(spiffe('shop', 'web'));
    const r2 = await sClient(['-cert', expired.certPath, '-key', expired.keyPath]);
    assert.doesNotMatch(r2.stdout, /\+PONG/);
    const plain = await new Promise<string>((resolve) => {
      let got = '';
      const s = connect({ host: '127.0.0.1', port: serverListen }, () => s.write('PING\r\n'));
      s.on('data', (c: Buffer) => void (got += c.toString()));
      s.on('error', () => undefined);
      s.on('close', () => resolve(got));
    });
    assert.equal(plain, '');
    const metrics = (await server.admin('/metrics')).body;
    assert.doesNotMatch(before, /reason="unknown_ca"/);
    assert.match(metrics, /weft_proxy_tls_handshake_failures_total\{direction="inbound",reason="no_client_cert"\} [1-9]/);
    assert.match(metrics, /weft_proxy_tls_handshake_failures_total\{direction="inbound",reason="unknown_ca"\} [1-9]/);
    assert.match(metrics, /weft_proxy_tls_handshake_failures_total\{direction="inbound",reason="expired"\} [1-9]/);
    assert.match(metrics, new RegExp(`weft_proxy_plaintext_refused_total\\{port="${redisPort}"\\} [1-9]`));
  });

  test('a policy change closes an open Redis connection that the new policy denies', async () => {
    const sock: Socket = connect({ host: '127.0.0.1', port: clientListen });
    let data = '';
    let closed = false;
    sock.on('data', (c: Buffer) => void (data += c.toString()));
    sock.on('error', () => undefined);
    sock.on('close', () => void (closed = true));
    sock.write('PING\r\n');
    await eventually(() => data.includes('+PONG'), 5000, 'PONG on the open connection');
    const mark = server.logs.length;
    await server.writeSnapshot(serverSnap('s2', [{ name: 'deny-web', spec: { action: 'DENY', rules: [{ from: [{ source: { principals: [spiffe('shop', 'web')] } }] }] } }]));
    await server.waitForLog('"version":"s2"', 5000, mark);
    await eventually(() => closed, 5000, 'the open connection to be closed');
    const r = await redisCli('PING');
    assert.notEqual(r.stdout.trim(), 'PONG');
    // An ALLOW policy for another namespace: the web client is still denied (ALLOW present, no match).
    await server.writeSnapshot(serverSnap('s3', [{ name: 'only-admin', spec: { action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['admin'] } }] }] } }]));
    await server.waitForLog('"version":"s3"', 5000, mark);
    assert.notEqual((await redisCli('PING')).stdout.trim(), 'PONG');
    // A wildcard principal in the trust domain allows it again.
    await server.writeSnapshot(serverSnap('s4', [{ name: 'all-mesh', spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['spiffe://cluster.local/ns/shop/sa/*'] } }] }] } }]));
    await server.waitForLog('"version":"s4"', 5000, mark);
    assert.equal((await redisCli('PING')).stdout.trim(), 'PONG');
  });

  test('a bad snapshot is refused with a log line and a counter; the old one stays', async () => {
    const mark = server.logs.length;
    await server.writeSnapshot({ version: 'broken', workload: {} });
    await server.waitForLog('snapshot refused', 5000, mark);
    const config = JSON.parse((await server.admin('/config')).body) as { version: string };
    assert.equal(config.version, 's4');
    assert.match((await server.admin('/metrics')).body, /weft_proxy_snapshot_loads_total\{result="rejected"\} [1-9]/);
    assert.equal((await redisCli('PING')).stdout.trim(), 'PONG');
    await server.writeSnapshot(serverSnap('s5'));
    await server.waitForLog('"version":"s5"', 5000, mark);
  });

  test('certificate rotation: new connections get the new certificate, an open connection keeps working', async () => {
    const sock: Socket = connect({ host: '127.0.0.1', port: clientListen });
    let data = '';
    let closed = false;
    sock.on('data', (c: Buffer) => void (data += c.toString()));
    sock.on('error', () => undefined);
    sock.on('close', () => void (closed = true));
    sock.write('PING\r\n');
    await eventually(() => data.includes('+PONG'), 5000, 'PONG before rotation');
    const next = await pki.issue(spiffe('prod', 'backend'));
    const mark = server.logs.length;
    // Key first, then the certificate: a reload in between fails the key check and keeps the old pair.
    await rename(next.keyPath, backend.keyPath);
    await rename(next.certPath, backend.certPath);
    await server.waitForLog('certificate rotated', 8000, mark);
    data = '';
    sock.write('PING\r\n');
    await eventually(() => data.includes('+PONG'), 5000, 'PONG on the connection opened before rotation');
    assert.equal(closed, false);
    const r = await sClient(['-cert', web.certPath, '-key', web.keyPath]);
    const leafBody = next.certPem.split('\n')[1]!;
    assert.ok(r.stdout.includes(leafBody), 'the new certificate is served to new connections');
    assert.match(r.stdout, /\+PONG/);
    sock.destroy();
  });

  test('admin: /ready, /config, /stats, and /metrics passes promtool check metrics', async () => {
    assert.equal((await client.admin('/ready')).status, 200);
    assert.equal(JSON.parse((await client.admin('/config')).body).version, 'c1');
    const stats = JSON.parse((await client.admin('/stats')).body) as { version: string; counters: Record<string, unknown> };
    assert.equal(stats.version, 'c1');
    assert.ok(stats.counters['weft_proxy_snapshot_loads_total']);
    for (const p of [client, server]) {
      const text = (await p.admin('/metrics')).body;
      assert.match(text, /weft_proxy_tcp_sent_bytes_total\{direction="(inbound|outbound)",source_workload="(web|)",[^}]*destination_namespace="prod"[^}]*\} [1-9]/);
      assert.match(text, /weft_proxy_tcp_connections_opened_total\{[^}]*\} [1-9]/);
      const r = await run('promtool', ['check', 'metrics'], { input: text });
      assert.equal(r.code, 0, `promtool: ${r.stdout}${r.stderr}`);
    }
  });
});
