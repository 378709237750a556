import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxOf, mean, median, percentileSorted, spread } from '../../bench/stats.js';

test('percentileSorted uses the nearest-rank rule of fixedrate.js', () => {
  const a = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  assert.equal(percentileSorted(a, 50), 51);
  assert.equal(percentileSorted(a, 90), 91);
  assert.equal(percentileSorted(a, 99), 100);
  assert.equal(percentileSorted(a, 99.9), 100);
  assert.equal(percentileSorted(a, 0), 1);
  assert.equal(percentileSorted([7], 99), 7);
  assert.ok(Number.isNaN(percentileSorted([], 50)));
});

test('median of odd and even counts, ignoring failed (non-finite) rounds', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([5, Number.NaN, 1, 3]), 3);
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(median([Number.NaN])));
});

test('spread reports median, min, max and how many rounds counted', () => {
  assert.deepEqual(spread([20881, 15686, 23030, Number.NaN]), { median: 20881, min: 15686, max: 23030, count: 3 });
  const none = spread([]);
  assert.equal(none.count, 0);
  assert.ok(Number.isNaN(none.median));
});

test('maxOf and mean', () => {
  assert.equal(maxOf([1, Number.NaN, 3, 2]), 3);
  assert.ok(Number.isNaN(maxOf([Number.NaN])));
  assert.equal(mean([1, 2, 3, 6]), 3);
  assert.ok(Number.isNaN(mean([])));
});
