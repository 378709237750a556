// Mutual TLS between Weft peers with real sockets on 127.0.0.1: the credentials, identity checks,
// failure reasons, PERMISSIVE detection, session reuse and rotation of src/proxy/tls, plus
// `openssl s_client` against a Weft TLS server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { parseIdentityMaterial, type IdentityMaterial } from '../../src/proxy/tls/identity-material.js';
import { createTlsCredentials, type TlsCredentials } from '../../src/proxy/tls/tls-credentials.js';
import { peerSpiffeId } from '../../src/proxy/tls/peer-identity.js';
import { classifyTlsError, type TlsFailureReason } from '../../src/proxy/tls/tls-errors.js';
import { isTlsClientHello } from '../../src/proxy/tls/client-hello.js';
import { createTestPki, type IssuedFiles, type TestPki } from '../support/pki.js';

const SERVER = 'spiffe://cluster.local/ns/default/sa/server';
const CLIENT = 'spiffe://cluster.local/ns/default/sa/client';
const WAIT_MS = 5000;

let pki: TestPki;
const cleanups: (() => void)[] = [];

before(async () => {
  pki = await createTestPki({ trustDomain: 'cluster.local' });
});
after(async () => {
  for (const c of cleanups.reverse()) c();
  await pki.cleanup();
});

function material(files: IssuedFiles, caPem = pki.caPem): IdentityMaterial {
  const r = parseIdentityMaterial({ certPem: files.certPem, keyPem: files.keyPem, caPem });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

interface TestServer {
  readonly port: number;
  readonly server: tls.Server;
  /** Failure reasons seen by the server, in order. */
  readonly failures: TlsFailureReason[];
  nextFailure(): Promise<TlsFailureReason>;
}

/** A tls.Server from the credentials that answers each connection with its view of the peer. */
async function startServer(creds: TlsCredentials): Promise<TestServer> {
  const server = tls.createServer(creds.serverOptions(), (socket) => {
    socket.on('error', () => undefined);
    socket.on('data', () =>
      socket.write(`peer=${peerSpiffeId(socket) ?? '-'} alpn=${String(socket.alpnProtocol)} proto=${String(socket.getProtocol())} reused=${socket.isSessionReused()} fp=${socket.getPeerCertificate(false).fingerprint256}\n`),
    );
  });
  const failures: TlsFailureReason[] = [];
  const waiters: ((r: TlsFailureReason) => void)[] = [];
  server.on('tlsClientError', (e, socket) => {
    const reason = classifyTlsError(e, socket);
    failures.push(reason);
    waiters.shift()?.(reason);
  });
  cleanups.push(creds.attachServer(server));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    server,
    failures,
    nextFailure: () => withTimeout(new Promise<TlsFailureReason>((resolve) => waiters.push(resolve)), 'a server-side TLS failure'),
  };
}

interface ClientOutcome {
  readonly reply?: string;
  readonly error?: Error;
  readonly socket: tls.TLSSocket;
}

/** Connects, sends a line, and resolves with the reply, or the error, or an empty close. */
function exchange(socket: tls.TLSSocket): Promise<ClientOutcome> {
  return withTimeout(
    new Promise<ClientOutcome>((resolve) => {
      let reply = '';
      let error: Error | undefined;
      socket.on('secureConnect', () => socket.write('hello\n'));
      socket.on('data', (d: Buffer) => {
        reply += d.toString();
        if (reply.endsWith('\n')) socket.end();
      });
      socket.on('error', (e) => {
        error = e;
      });
      socket.on('close', () => resolve({ socket, ...(reply === '' ? {} : { reply }), ...(error === undefined ? {} : { error }) }));
    }),
    'the client connection to finish',
  );
}

test('valid mutual TLS: TLS 1.3, ALPN negotiated, each side sees the other SPIFFE ID', async () => {
  const srv = await startServer(createTlsCredentials(material(await pki.issue(SERVER)), 'STRICT'));
  const client = createTlsCredentials(material(await pki.issue(CLIENT)), 'STRICT');
  const sock = client.connect({ host: '127.0.0.1', port: srv.port, expectedIds: [SERVER], alpn: ['weft-http1'] });
  let cipher = '';
  sock.on('secureConnect', () => {
    assert.equal(peerSpiffeId(sock), SERVER);
    cipher = sock.getCipher().standardName;
  });
  const out = await exchange(sock);
  assert.equal(out.error, undefined);
  assert.ok(['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'].includes(cipher), cipher);
  assert.match(out.reply ?? '', new RegExp(`^peer=${CLIENT} alpn=weft-http1 proto=TLSv1\\.3 reused=false fp=[0-9A-F:]{95}\n$`));
});

test('a client without a certificate is refused (no_client_cert on both sides)', async () => {
  const srv = await startServer(createTlsCredentials(material(await pki.issue(SERVER)), 'STRICT'));
  const failure = srv.nextFailure();
  const out = await exchange(tls.connect({ host: '127.0.0.1', port: srv.port, ca: pki.caPem, checkServerIdentity: () => undefined }));
  assert.equal(out.reply, undefined);
  assert.equal(classifyTlsError(out.error), 'no_client_cert');
  assert.equal(await failure, 'no_client_cert');
});

test('client certificates from a rogue CA, expired or not yet valid are refused with their reason', async () => {
  const srv = await startServer(createTlsCredentials(material(await pki.issue(SERVER)), 'STRICT'));
  const cases: [string, IssuedFiles, TlsFailureReason][] = [
    ['rogue CA', await pki.rogue(CLIENT), 'unknown_ca'],
    ['expired', await pki.expired(CLIENT), 'expired'],
    ['not yet valid', await pki.notYetValid(CLIENT), 'not_yet_valid'],
  ];
  for (const [name, files, reason] of cases) {
    const client = createTlsCredentials(material(files), 'STRICT');
    const failure = srv.nextFailure();
    const out = await exchange(client.connect({ host: '127.0.0.1', port: srv.port, expectedIds: [SERVER] }));
    assert.equal(out.reply, undefined, `${name}: the server must not answer`);
    assert.equal(await failure, reason, name);
  }
});

test('a server with the wrong SPIFFE ID or from a rogue CA fails the client with bad_identity / unknown_ca', async () => {
  const wrong = await startServer(createTlsCredentials(material(await pki.issue('spiffe://cluster.local/ns/default/sa/impostor')), 'STRICT'));
  const client = createTlsCredentials(material(await pki.issue(CLIENT)), 'STRICT');
  const out = await exchange(client.connect({ host: '127.0.0.1', port: wrong.port, expectedIds: [SERVER] }));
  assert.equal(out.reply, undefined);
  assert.equal(classifyTlsError(out.error), 'bad_identity');
  assert.match(out.error?.message ?? '', /impostor.*not one of the expected.*sa\/server/);

  const rogue = await startServer(createTlsCredentials(material(await pki.rogue(SERVER), pki.rogueCaPem), 'STRICT'));
  const out2 = await exchange(client.connect({ host: '127.0.0.1', port: rogue.port, expectedIds: [SERVER] }));
  assert.equal(out2.reply, undefined);
  assert.equal(classifyTlsError(out2.error), 'unknown_ca');
});

test('TLS 1.2 and plaintext clients are refused with protocol_version / plaintext', async () => {
  const srv = await startServer(createTlsCredentials(material(await pki.issue(SERVER)), 'STRICT'));
  const failure = srv.nextFailure();
  const out = await exchange(tls.connect({ host: '127.0.0.1', port: srv.port, maxVersion: 'TLSv1.2', rejectUnauthorized: false }));
  assert.equal(classifyTlsError(out.error), 'protocol_version');
  assert.equal(await failure, 'protocol_version');

  const plainFailure = srv.nextFailure();
  const plain = net.connect(srv.port, '127.0.0.1', () => plain.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  plain.on('error', () => undefined);
  assert.equal(await plainFailure, 'plaintext');
  plain.destroy();
});

test('openssl s_client: refused without a client certificate, accepted with one', async () => {
  const srv = await startServer(createTlsCredentials(material(await pki.issue(SERVER)), 'STRICT'));
  const run = async (extra: string[]): Promise<{ code: number | null; out: string }> => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${srv.port}`, '-CAfile', pki.caPath, '-alpn', 'weft-http1', '-verify_return_error', ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    // Keep stdin open until the server answered (or refused), then close it so s_client exits.
    const onOutput = (d: Buffer): void => {
      out += d.toString();
      if (/peer=|alert|error/i.test(out)) child.stdin.end();
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.stdin.write('hello\n');
    const [code] = await withTimeout(once(child, 'exit') as Promise<[number | null]>, 'openssl s_client');
    return { code, out };
  };
  const without = await run([]);
  assert.doesNotMatch(without.out, /peer=/);
  assert.match(without.out, /certificate required/);
  assert.notEqual(without.code, 0);
  const client = await pki.issue(CLIENT);
  const withCert = await run(['-cert', client.certPath, '-key', client.keyPath]);
  assert.match(withCert.out, new RegExp(`peer=${CLIENT} alpn=weft-http1 proto=TLSv1.3`));
  assert.match(withCert.out, /Verify return code: 0 \(ok\)/);
  assert.equal(withCert.code, 0);
});

test('rotation: an open connection keeps working, new connections present the new certificates', async () => {
  const serverCreds = createTlsCredentials(material(await pki.issue(SERVER)), 'STRICT');
  const srv = await startServer(serverCreds);
  const client = createTlsCredentials(material(await pki.issue(CLIENT)), 'STRICT');
  const first = client.connect({ host: '127.0.0.1', port: srv.port, expectedIds: [SERVER] });
  await withTimeout(once(first, 'secureConnect'), 'first handshake');
  const fpBefore = serverCreds.material.fingerprint;
  const lines: string[] = [];
  first.on('data', (d: Buffer) => lines.push(d.toString()));
  const replyOnFirst = async (): Promise<string> => {
    const n = lines.length;
    first.write('ping\n');
    await withTimeout(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (lines.length > n) resolve();
          else setImmediate(check);
        };
        check();
      }),
      'a reply on the open connection',
    );
    return lines[lines.length - 1] ?? '';
  };
  const oldClientFp = client.material.fingerprint;
  assert.match(await replyOnFirst(), new RegExp(`peer=${CLIENT} .*fp=${oldClientFp}`));

  const newServer = await pki.issue(SERVER);
  const newClient = await pki.issue(CLIENT);
  serverCreds.update(material(newServer));
  client.update(material(newClient));
  assert.equal(serverCreds.material.fingerprint, material(newServer).fingerprint);

  // The open connection still works, on the old certificates.
  assert.match(await replyOnFirst(), new RegExp(`peer=${CLIENT} .*fp=${oldClientFp}`));

  // A new connection sees the new server certificate, and the server sees the new client one.
  const second = client.connect({ host: '127.0.0.1', port: srv.port, expectedIds: [SERVER] });
  let seenServerFp: string | undefined;
  second.on('secureConnect', () => (seenServerFp = second.getPeerX509Certificate()?.fingerprint256));
  const out = await exchange(second);
  assert.equal(out.error, undefined);
  assert.match(out.reply ?? '', new RegExp(`fp=${material(newClient).fingerprint}`));
  assert.equal(seenServerFp, material(newServer).fingerprint);
  assert.notEqual(seenServerFp, fpBefore);
  assert.match(out.reply ?? '', /reused=false/);
  first.end();
  await withTimeout(once(first, 'close'), 'first close');
});

test('client sessions are resumed per peer and expected identities, never across identity sets', async () => {
  const srv = await startServer(createTlsCredentials(material(await pki.issue(SERVER)), 'STRICT'));
  const client = createTlsCredentials(material(await pki.issue(CLIENT)), 'STRICT');
  const peer = { host: '127.0.0.1', port: srv.port, expectedIds: [SERVER] };
  // The connection's deadline (first certificate expiry) is the same whether the server certificate
  // was shown (full handshake) or not (resumed: it comes from the session).
  const deadlineOf = (s: ReturnType<typeof client.connect>): Promise<number | undefined> => once(s, 'secureConnect').then(() => client.connectionDeadline(s));
  const sa = client.connect(peer);
  const da = deadlineOf(sa);
  const a = await exchange(sa);
  assert.match(a.reply ?? '', /reused=false/);
  const sb = client.connect(peer);
  const db = deadlineOf(sb);
  const b = await exchange(sb);
  assert.match(b.reply ?? '', new RegExp(`peer=${CLIENT} .*reused=true`));
  assert.ok(Number.isFinite(await da), 'a full handshake has a deadline');
  assert.equal(await db, await da, 'a resumed connection keeps the deadline of its session');
  // Another identity list for the same address must do a full handshake (and so the identity check).
  const other = await exchange(client.connect({ ...peer, expectedIds: ['spiffe://cluster.local/ns/default/sa/other'] }));
  assert.equal(other.reply, undefined);
  assert.equal(classifyTlsError(other.error), 'bad_identity');
  // ...and a failed identity check leaves no session behind to resume past the check next time.
  const again = await exchange(client.connect({ ...peer, expectedIds: ['spiffe://cluster.local/ns/default/sa/other'] }));
  assert.equal(again.reply, undefined);
  assert.equal(classifyTlsError(again.error), 'bad_identity');
});

test('PERMISSIVE listener: plaintext is served as unauthenticated, TLS is wrapped and must still be mutual', async () => {
  const creds = createTlsCredentials(material(await pki.issue(SERVER)), 'PERMISSIVE');
  const failures: TlsFailureReason[] = [];
  const tlsServer = creds.createServer({
    onSecure: (s, id) => {
      assert.equal(peerSpiffeId(s), id);
      s.once('data', () => s.end(`tls peer=${id} alpn=${String(s.alpnProtocol)}\n`));
    },
    onFailure: (reason) => failures.push(reason),
  });
  const server = net.createServer((raw) => {
    raw.on('error', () => undefined);
    raw.once('readable', () => {
      const head = raw.read() as Buffer | null;
      if (head === null) return;
      raw.unshift(head);
      if (!isTlsClientHello(head)) {
        raw.once('data', () => raw.end('plaintext unauthenticated\n'));
        return;
      }
      tlsServer.emit('connection', raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  const port = (server.address() as net.AddressInfo).port;

  const plain = net.connect(port, '127.0.0.1', () => plain.write('PING\r\n'));
  let plainReply = '';
  plain.on('data', (d: Buffer) => (plainReply += d.toString()));
  await withTimeout(once(plain, 'close'), 'plaintext reply');
  assert.equal(plainReply, 'plaintext unauthenticated\n');

  const client = createTlsCredentials(material(await pki.issue(CLIENT)), 'STRICT');
  const ok = await exchange(client.connect({ host: '127.0.0.1', port, expectedIds: [SERVER], alpn: ['weft-tcp'] }));
  assert.equal(ok.reply, `tls peer=${CLIENT} alpn=weft-tcp\n`);

  const rogue = createTlsCredentials(material(await pki.rogue(CLIENT)), 'STRICT');
  const bad = await exchange(rogue.connect({ host: '127.0.0.1', port, expectedIds: [SERVER] }));
  assert.equal(bad.reply, undefined);
  const noCert = await exchange(tls.connect({ host: '127.0.0.1', port, ca: pki.caPem, checkServerIdentity: () => undefined }));
  assert.equal(noCert.reply, undefined);
  await withTimeout(
    new Promise<void>((resolve) => {
      const check = (): void => (failures.length >= 2 ? resolve() : void setImmediate(check));
      check();
    }),
    'two server-side failures',
  );
  assert.deepEqual(failures, ['unknown_ca', 'no_client_cert']);
});

test('credentials.createServer on a STRICT port: peer ID handed over once; no or two SPIFFE IDs, plaintext refused', async () => {
  const creds = createTlsCredentials(material(await pki.issue(SERVER)), 'STRICT');
  const failures: TlsFailureReason[] = [];
  const waiters: (() => void)[] = [];
  const server = creds.createServer({
    onSecure: (s, id) => {
      s.on('error', () => undefined);
      s.once('data', () => s.end(`peer=${id}\n`));
    },
    onFailure: (reason) => {
      failures.push(reason);
      for (const w of waiters.splice(0)) w();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const failureCount = (n: number): Promise<void> =>
    withTimeout(
      new Promise<void>((resolve) => {
        const check = (): void => (failures.length >= n ? resolve() : void waiters.push(check));
        check();
      }),
      `${n} server-side failures`,
    );

  const good = await exchange(createTlsCredentials(material(await pki.issue(CLIENT)), 'STRICT').connect({ host: '127.0.0.1', port, expectedIds: [SERVER] }));
  assert.equal(good.reply, `peer=${CLIENT}\n`);

  for (const uris of [[], [CLIENT, SERVER], ['spiffe://cluster.local/not-a-mesh-id']]) {
    const files = await pki.malformed(uris);
    // Bypass parseIdentityMaterial (which refuses these) to present the certificate anyway.
    const out = await exchange(tls.connect({ host: '127.0.0.1', port, cert: files.certPem, key: files.keyPem, ca: pki.caPem, checkServerIdentity: () => undefined }));
    assert.equal(out.reply, undefined, JSON.stringify(uris));
  }
  await failureCount(3);
  assert.deepEqual(failures, ['bad_identity', 'bad_identity', 'bad_identity']);

  const plain = net.connect(port, '127.0.0.1', () => plain.write('GET / HTTP/1.1\r\n\r\n'));
  plain.on('error', () => undefined);
  await failureCount(4);
  assert.equal(failures[3], 'plaintext');
  plain.destroy();
});
