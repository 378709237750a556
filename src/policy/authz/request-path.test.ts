import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeRequestPath, normalizeRequestTarget } from './request-path.js';

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

test('the target to forward: the path normalized as for matching, the query kept as received', () => {
  const cases: [string, string][] = [
    ['/public/../admin?x=1', '/admin?x=1'],
    ['/%61dmin?q=%2e%2e', '/admin?q=%2e%2e'],
    ['/a/./b?', '/a/b?'],
    ['/a/b?x=/../y', '/a/b?x=/../y'],
    ['/a/../b#frag', '/b'],
    ['/a?x#frag', '/a?x'],
    ['/a\\..\\admin', '/admin'],
    ['/a%2fb', '/a%2Fb'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeRequestTarget(input), want, input);
});

test('a target with nothing to normalize, and every form other than origin-form, comes back as it is', () => {
  for (const t of ['/', '/api/v1/users', '/search?q=a%20b&x=/../y', '*', 'http://example.com/a/../b', 'example.com:443', '']) {
    assert.equal(normalizeRequestTarget(t), t, t);
  }
});

test('what is forwarded is what authorization matched: the normalized target\'s path normalizes to itself', () => {
  for (const t of ['/a/../b/./c?z', '/%7Euser/%2e%2E/x', '/x/%2F../y', '/..', '/a//b/../c']) {
    const forwarded = normalizeRequestTarget(t);
    const q = forwarded.indexOf('?');
    const path = q < 0 ? forwarded : forwarded.slice(0, q);
    assert.equal(path, normalizeRequestPath(t), t);
    assert.equal(normalizeRequestPath(path), path, `${t}: normalizing again changes nothing`);
  }
});
