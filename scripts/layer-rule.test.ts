import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDirection, findCycles } from './layer-rule.js';

test('imports may go down the layers, never up', () => {
  assert.equal(checkDirection('src/proxy/a.ts', 'src/policy/b.ts'), undefined);
  assert.equal(checkDirection('src/cli/a.ts', 'src/control/b.ts'), undefined);
  assert.equal(checkDirection('src/api/a.ts', 'src/core/b.ts'), undefined);
  assert.match(checkDirection('src/proxy/a.ts', 'src/control/b.ts')?.reason ?? '', /proxy\/ may not import control\//);
  assert.match(checkDirection('src/core/a.ts', 'src/api/b.ts')?.reason ?? '', /core\/ may not import api\//);
  assert.match(checkDirection('src/control/a.ts', 'src/runtime/b.ts')?.reason ?? '', /may not import/);
  assert.equal(checkDirection('src/kube/a.ts', 'src/runtime/b.ts'), undefined);
  assert.match(checkDirection('src/misc/a.ts', 'src/core/b.ts')?.reason ?? '', /not a part/);
  assert.equal(checkDirection('test/x.ts', 'src/control/b.ts'), undefined);
});

test('cycles are found once each', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
    ['e', ['e']],
  ]);
  const cycles = findCycles(graph);
  assert.equal(cycles.length, 2);
  assert.deepEqual(cycles[0], ['a', 'b', 'c']);
  assert.deepEqual(findCycles(new Map([['a', ['b']], ['b', []]])), []);
});
