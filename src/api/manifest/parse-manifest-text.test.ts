import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifestText } from './parse-manifest-text.js';

test('multi-document YAML: empty documents are skipped, numbers and lines are kept', () => {
  const text = '# header only\n---\nkind: A\n---\n---\nkind: B\n';
  const parsed = parseManifestText(text, 'f.yaml');
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.documents, [
    { file: 'f.yaml', document: 1, line: 3, value: { kind: 'A' } },
    { file: 'f.yaml', document: 2, line: 6, value: { kind: 'B' } },
  ]);
});

test('a JSON array and a List kind give one document per item', () => {
  const json = parseManifestText('[{"kind":"A"},{"kind":"B"}]', 'f.json');
  assert.deepEqual(json.documents.map((d) => [d.document, d.value]), [[1, { kind: 'A' }], [2, { kind: 'B' }]]);
  const list = parseManifestText('apiVersion: v1\nkind: List\nitems:\n  - kind: A\n  - kind: B\n---\nkind: C\n', 'l.yaml');
  assert.deepEqual(list.documents.map((d) => [d.document, d.value]), [[1, { kind: 'A' }], [2, { kind: 'B' }], [3, { kind: 'C' }]]);
  assert.equal(list.count, 3);
});

test('syntax errors carry line and column; later documents still parse', () => {
  const parsed = parseManifestText('kind: A\n---\nkey: [1, 2\nother: x\n---\nkind: C\n', 'bad.yaml');
  assert.equal(parsed.problems.length > 0, true);
  const first = parsed.problems[0];
  assert.equal(first?.document, 2);
  assert.equal(first?.line, 4);
  assert.equal(typeof first?.column, 'number');
  assert.match(first?.message ?? '', /^YAML syntax error: /);
  assert.equal(first?.code, 'WEFT_CONFIG_PARSE');
  assert.deepEqual(parsed.documents.map((d) => [d.document, d.value]), [[1, { kind: 'A' }], [3, { kind: 'C' }]]);
});

test('duplicate keys, alias bombs and deep nesting are problems, not crashes', () => {
  assert.match(parseManifestText('a: 1\na: 2\n', 'd.yaml').problems[0]?.message ?? '', /unique/);
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
  const bombed = parseManifestText(bomb, 'bomb.yaml');
  assert.equal(bombed.documents.length, 0);
  assert.match(bombed.problems[0]?.message ?? '', /cannot be read/);
  const deep = parseManifestText(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'deep.json');
  assert.deepEqual(deep.problems.map((p) => p.message), ['is nested more than 256 levels deep']);
  let block = '';
  for (let i = 0; i < 3000; i++) block += `${' '.repeat(i)}a:\n`;
  const deepBlock = parseManifestText(block, 'deep.yaml');
  assert.equal(deepBlock.documents.length, 0);
  assert.equal(deepBlock.problems.length, 1);
});
