import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceOfPrincipal, normalizePrincipal, normalizePrincipalPattern } from './principal.js';

test('principals normalize to the spiffe:// form with the mesh trust domain', () => {
  assert.equal(normalizePrincipal('spiffe://td/ns/a/sa/b', 'td'), 'spiffe://td/ns/a/sa/b');
  assert.equal(normalizePrincipal('td/ns/a/sa/b', 'td'), 'spiffe://td/ns/a/sa/b');
  assert.equal(normalizePrincipal('cluster.local/ns/a/sa/b', 'td'), 'spiffe://td/ns/a/sa/b');
  assert.equal(normalizePrincipal('ns/a/sa/b', 'td'), 'spiffe://td/ns/a/sa/b');
  assert.equal(normalizePrincipal('other/ns/a/sa/b', 'td'), 'spiffe://other/ns/a/sa/b');
  assert.equal(normalizePrincipalPattern('td/ns/a/*', 'td'), 'spiffe://td/ns/a/*');
  assert.equal(normalizePrincipalPattern('*/sa/b', 'td'), '*/sa/b');
  assert.equal(normalizePrincipalPattern('*', 'td'), '*');
});

test('namespace of a SPIFFE ID', () => {
  assert.equal(namespaceOfPrincipal('spiffe://td/ns/web/sa/fe'), 'web');
  assert.equal(namespaceOfPrincipal('spiffe://td/ns//sa/fe'), undefined);
  assert.equal(namespaceOfPrincipal('spiffe://td/other'), undefined);
});
