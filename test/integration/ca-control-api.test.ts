// Issue 3 item 4 over the real control plane: `weft control` as a child process with its own
// WEFT_HOME, bootstrap tokens managed by the real `weft token` CLI, and proxies' CSRs sent to
// POST /api/v1/certificates with the token as bearer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkloadKeyAndCsr } from '../../src/proxy/tls/csr.js';
import { parseIdentityMaterial } from '../../src/proxy/tls/identity-material.js';
import { createHttpCertificateRequester } from '../../src/proxy/identity-client/certificate-requester.js';
import { runWeftProcess, startControl, type ControlProcess } from '../support/control-process.js';

let home: string;
let control: ControlProcess;

function weft(...args: string[]): ReturnType<typeof runWeftProcess> {
  return runWeftProcess(args, { cwd: home, env: { WEFT_HOME: home, WEFT_CONTROL: control.url } });
}

async function csrFor(id: string): Promise<{ keyPem: string; csrPem: string }> {
  const pair = await createWorkloadKeyAndCsr(id);
  assert.ok(pair.ok);
  return pair.value;
}

async function post(path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${control.url}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const errorCode = (body: Record<string, unknown>): unknown => (body['error'] as { code?: unknown } | undefined)?.code;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-ca-api-'));
  control = await startControl(home);
});

after(async () => {
  await control.stop();
  rmSync(home, { recursive: true, force: true });
});

test('the control plane creates its root under $WEFT_HOME/ca with the key at 0600', () => {
  assert.equal(statSync(join(home, 'ca', 'root-key.pem')).mode & 0o777, 0o600);
  assert.ok(new X509Certificate(readFileSync(join(home, 'ca', 'root-cert.pem'))).ca);
});

test('token create → certificate for exactly that identity; revoked → refused; state survives a restart', async () => {
  const created = await weft('token', 'create', '--namespace', 'shop', '--service-account', 'cart', '--workload', 'cart-1', '-o', 'json');
  assert.equal(created.code, 0, created.stderr);
  const { token, info } = JSON.parse(created.stdout) as { token: string; info: { id: string } };
  assert.ok(!readFileSync(join(home, 'ca', 'bootstrap-tokens.json'), 'utf8').includes(token), 'only the hash is stored');

  // Raw PEM body.
  const mine = await csrFor('spiffe://cluster.local/ns/shop/sa/cart');
  const issued = await post('/api/v1/certificates', { authorization: `Bearer ${token}`, 'content-type': 'application/pkcs10' }, mine.csrPem);
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  const root = new X509Certificate(readFileSync(join(home, 'ca', 'root-cert.pem')));
  const leaf = new X509Certificate(issued.body['certChainPem'] as string);
  assert.ok(leaf.verify(root.publicKey));
  assert.equal(leaf.subjectAltName, 'URI:spiffe://cluster.local/ns/shop/sa/cart');
  const life = (issued.body['notAfter'] as number) - Date.now();
  assert.ok(life > 23 * 3600_000 && life <= 24 * 3600_000, `default lifetime 24 h, got ${life} ms`);

  // The proxy's requester (JSON body) gets usable material.
  const requester = createHttpCertificateRequester({ controlUrl: control.url, token });
  const answer = await requester(mine.csrPem);
  assert.ok(answer.ok, answer.ok ? '' : answer.error.message);
  assert.ok(parseIdentityMaterial({ certPem: answer.value.certChainPem, keyPem: mine.keyPem, caPem: answer.value.trustBundlePem }).ok);

  // Another identity with this token: 403.
  const other = await csrFor('spiffe://cluster.local/ns/shop/sa/payments');
  const refused = await post('/api/v1/certificates', { authorization: `Bearer ${token}` }, other.csrPem);
  assert.equal(refused.status, 403);
  assert.equal(errorCode(refused.body), 'WEFT_CA_IDENTITY_NOT_GRANTED');
  const wrong = await requester(other.csrPem);
  assert.ok(!wrong.ok && wrong.error.code === 'WEFT_CA_IDENTITY_NOT_GRANTED');

  // No token, an unknown token: 401. Token management without the admin token: 401.
  assert.equal(errorCode((await post('/api/v1/certificates', {}, mine.csrPem)).body), 'WEFT_CA_TOKEN_INVALID');
  const guessed = await post('/api/v1/certificates', { authorization: 'Bearer weft-bt-guess' }, mine.csrPem);
  assert.deepEqual([guessed.status, errorCode(guessed.body)], [401, 'WEFT_CA_TOKEN_INVALID']);
  const noAdmin = await post('/api/v1/tokens', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, '{"namespace":"shop","serviceAccount":"x"}');
  assert.deepEqual([noAdmin.status, errorCode(noAdmin.body)], [401, 'WEFT_CONTROL_UNAUTHENTICATED']);

  const listed = await weft('token', 'list');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`${info.id}\\tshop\\tcart\\tcart-1\\tactive`));

  const revoked = await weft('token', 'revoke', info.id);
  assert.equal(revoked.code, 0, revoked.stderr);
  const afterRevoke = await post('/api/v1/certificates', { authorization: `Bearer ${token}` }, mine.csrPem);
  assert.deepEqual([afterRevoke.status, errorCode(afterRevoke.body)], [401, 'WEFT_CA_TOKEN_REVOKED']);
  const unknownRevoke = await weft('token', 'revoke', 'ffff');
  assert.equal(unknownRevoke.code, 1);
  assert.match(unknownRevoke.stderr, /WEFT_CA_TOKEN_NOT_FOUND/);

  // Restart: the same root, the revocation still in force, a second token still works.
  const second = await weft('token', 'create', '-n', 'shop', '--service-account', 'web');
  assert.equal(second.code, 0, second.stderr);
  const secondToken = second.stdout.trim();
  await control.stop();
  control = await startControl(home);
  const again = await post('/api/v1/certificates', { authorization: `Bearer ${token}` }, mine.csrPem);
  assert.equal(errorCode(again.body), 'WEFT_CA_TOKEN_REVOKED');
  const web = await csrFor('spiffe://cluster.local/ns/shop/sa/web');
  const webIssued = await post('/api/v1/certificates', { authorization: `Bearer ${secondToken}` }, web.csrPem);
  assert.equal(webIssued.status, 200, JSON.stringify(webIssued.body));
  assert.ok(new X509Certificate(webIssued.body['certChainPem'] as string).verify(root.publicKey), 'signed by the same root after the restart');
});
