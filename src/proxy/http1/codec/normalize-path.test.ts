import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizePath } from './index.js';

const table: Array<[string, string | undefined]> = [
  ['/', '/'],
  ['/a/b', '/a/b'],
  ['/a/b/', '/a/b/'],
  ['', ''],
  ['/a/./b', '/a/b'],
  ['/./admin', '/admin'],
  ['/x/../admin', '/admin'],
  ['/a/b/c/./../../g', '/a/g'],
  ['/a/b/..', '/a/'],
  ['/a/.', '/a/'],
  ['/..', '/'],
  ['/../../a', '/a'],
  ['/a/..b/.c', '/a/..b/.c'],
  ['/a//b', '/a//b'],
  ['/%61dmin', '/admin'],
  ['/%2e%2e/admin', '/admin'],
  ['/%2E/admin', '/admin'],
  ['/a%2fb', '/a%2Fb'],
  ['/a%2Fb/../c', '/c'],
  ['/%7euser', '/~user'],
  ['/a%20b', '/a%20b'],
  ['/a%3f', '/a%3F'],
  ['/%e9', '/%E9'],
  ['/%', undefined],
  ['/%4', undefined],
  ['/%zz', undefined],
  ['/a%g1', undefined],
];

test('normalizePath: RFC 3986 dot segments and unreserved escapes, as Istio BASE', () => {
  for (const [input, expected] of table) assert.equal(normalizePath(input), expected, JSON.stringify(input));
});

test('normalizePath returns the same string when nothing changes', () => {
  const p = '/api/v1/orders/12345';
  assert.equal(normalizePath(p), p);
});
