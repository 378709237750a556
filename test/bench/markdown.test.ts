import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmt, fmtDelta, fmtInt, fmtSpread, renderTable, replaceSection, sectionMarkers } from '../../bench/markdown.js';

test('renderTable renders a header, a rule and escaped cells', () => {
  assert.equal(renderTable(['a', 'b'], [['1', 'x|y'], ['2', 'line\nbreak']]), '| a | b |\n| --- | --- |\n| 1 | x\\|y |\n| 2 | line break |');
});

test('number formats: fixed, signed, thousands, spread, and a dash for no data', () => {
  assert.equal(fmt(0.12345, 3), '0.123');
  assert.equal(fmt(Number.NaN, 3), '–');
  assert.equal(fmtDelta(0.25, 2), '+0.25');
  assert.equal(fmtDelta(-0.25, 2), '-0.25');
  assert.equal(fmtInt(1234567.6), '1,234,568');
  assert.equal(fmtInt(999), '999');
  assert.equal(fmtSpread({ median: 1, min: 0.5, max: 2 }, 1), '1.0 [0.5–2.0]');
  assert.equal(fmtSpread({ median: Number.NaN, min: Number.NaN, max: Number.NaN }, 1), '–');
});

test('replaceSection appends a missing section and keeps the rest of the file', () => {
  const doc = '# Weft benchmarks\n\nHand-written intro.\n';
  const once = replaceSection(doc, 'proxy', '## Proxy\n\nfirst\n');
  const { start, end } = sectionMarkers('proxy');
  assert.equal(once, `# Weft benchmarks\n\nHand-written intro.\n\n${start}\n## Proxy\n\nfirst\n${end}\n`);
  assert.equal(replaceSection('', 'proxy', 'x'), `${start}\nx\n${end}\n`);
});

test('replaceSection replaces only its own section, in place', () => {
  let doc = replaceSection('# T\n', 'proxy', 'proxy v1');
  doc = replaceSection(doc, 'control', 'control v1');
  doc += '\nTrailing notes.\n';
  const next = replaceSection(doc, 'proxy', 'proxy v2');
  assert.ok(next.includes('proxy v2'));
  assert.ok(!next.includes('proxy v1'));
  assert.ok(next.includes('control v1'));
  assert.ok(next.endsWith('\nTrailing notes.\n'));
  assert.ok(next.indexOf('proxy v2') < next.indexOf('control v1'));
  assert.equal(replaceSection(next, 'proxy', 'proxy v2'), next);
});
