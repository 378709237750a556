import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationToMs } from './duration.js';
import { joinPath, pointerToPath } from './field-path.js';

test('durations as Gateway API writes them', () => {
  assert.equal(durationToMs('500ms'), 500);
  assert.equal(durationToMs('1m30s'), 90_000);
  assert.equal(durationToMs('1h'), 3_600_000);
  assert.equal(durationToMs('0s'), 0);
  for (const bad of ['', '1', 's', '1d', '1.5s', ' 1s', '1s ', '-1s']) assert.equal(durationToMs(bad), undefined, bad);
});

test('field paths read like the manifest', () => {
  assert.equal(pointerToPath(''), '');
  assert.equal(pointerToPath('/spec/rules/0/from/12/source'), 'spec.rules[0].from[12].source');
  assert.equal(pointerToPath('/metadata/labels/app.kubernetes.io~1name'), 'metadata.labels["app.kubernetes.io/name"]');
  assert.equal(joinPath('', 'spec'), 'spec');
  assert.equal(joinPath('a', 'x y'), 'a["x y"]');
});
