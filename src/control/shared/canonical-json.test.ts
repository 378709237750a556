import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from './canonical-json.js';

test('key order does not change the text', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'x' } }), canonicalJson({ a: { c: 'x', d: [1, { x: 1, y: 2 }] }, b: 1 }));
  assert.equal(canonicalJson({ b: 1, a: 2 }), '{"a":2,"b":1}');
});

test('undefined fields are left out; array order matters', () => {
  assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
});
