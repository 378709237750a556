import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeRequestPath } from './request-path.js';

test('plain paths come back as the same string', () => {
  const p = '/api/v1/users';
  assert.equal(normalizeRequestPath(p), p);
  assert.equal(normalizeRequestPath('/pkg.Service/Method'), '/pkg.Service/Method');
});

test('query and fragment are cut; dot segments and encoded unreserved characters are normalized', () => {
  const cases: [string, string][] = [
    ['/health?x=1', '/health'],
    ['/a#frag', '/a'],
    ['/a/../admin', '/admin'],
    ['/../admin', '/admin'],
    ['/./admin', '/admin'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/%61dmin', '/admin'],
    ['/a%2fb', '/a%2Fb'],
    ['/a\\..\\admin', '/admin'],
    ['/.well-known/x', '/.well-known/x'],
    ['/a/%2e%2e/admin', '/admin'],
    ['/100%', '/100%'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeRequestPath(input), want, input);
});
