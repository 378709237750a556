import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpiffeId, parseSpiffeId } from './spiffe-id.js';
import { spiffeIdFromSubjectAltName } from './subject-alt-name.js';

test('mesh SPIFFE IDs parse into trust domain, namespace and service account', () => {
  const r = parseSpiffeId('spiffe://cluster.local/ns/default/sa/web-1');
  assert.ok(r.ok);
  assert.deepEqual({ ...r.value }, { uri: 'spiffe://cluster.local/ns/default/sa/web-1', trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'web-1' });
  const f = formatSpiffeId('td', 'ns1', 'sa1');
  assert.ok(f.ok);
  assert.equal(f.value.uri, 'spiffe://td/ns/ns1/sa/sa1');
});

test('malformed SPIFFE IDs are refused', () => {
  for (const bad of [
    '',
    'http://cluster.local/ns/a/sa/b',
    'spiffe://',
    'spiffe:///ns/a/sa/b',
    'spiffe://Cluster.Local/ns/a/sa/b',
    'spiffe://cluster.local/ns/a',
    'spiffe://cluster.local/ns/a/sa/b/extra',
    'spiffe://cluster.local/sa/a/ns/b',
    'spiffe://cluster.local/ns//sa/b',
    'spiffe://cluster.local/ns/../sa/b',
    'spiffe://cluster.local/ns/a/sa/b?x=1',
    'spiffe://cluster.local/ns/a/sa/b#f',
    'spiffe://user@cluster.local/ns/a/sa/b',
    'spiffe://cluster.local:443/ns/a/sa/b',
    `spiffe://cluster.local/ns/${'a'.repeat(3000)}/sa/b`,
  ]) {
    const r = parseSpiffeId(bad);
    assert.ok(!r.ok, bad);
    assert.equal(r.error.code, 'WEFT_TLS_PEER_IDENTITY');
  }
});

test('the SPIFFE ID comes from exactly one spiffe:// URI SAN', () => {
  const id = 'spiffe://cluster.local/ns/default/sa/web';
  assert.equal(spiffeIdFromSubjectAltName(`URI:${id}`), id);
  assert.equal(spiffeIdFromSubjectAltName(`DNS:web.default, URI:${id}, IP Address:10.0.0.1`), id);
  assert.equal(spiffeIdFromSubjectAltName(`URI:https://example.com, URI:${id}`), id);
  assert.equal(spiffeIdFromSubjectAltName(undefined), undefined);
  assert.equal(spiffeIdFromSubjectAltName(''), undefined);
  assert.equal(spiffeIdFromSubjectAltName('DNS:web.default'), undefined);
  assert.equal(spiffeIdFromSubjectAltName(`URI:${id}, URI:spiffe://cluster.local/ns/default/sa/admin`), undefined);
  assert.equal(spiffeIdFromSubjectAltName('URI:spiffe://cluster.local/not/a/mesh/id'), undefined);
  // Node quotes values with special characters; a quoted spiffe URI is never accepted.
  assert.equal(spiffeIdFromSubjectAltName('URI:"spiffe://cluster.local/ns/a/sa/b, URI:x"'), undefined);
  assert.equal(spiffeIdFromSubjectAltName(`URI:"x", URI:${id}`), undefined);
});
