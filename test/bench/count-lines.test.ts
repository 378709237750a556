import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { countLines } from '../../bench/count-lines.js';

test('countLines counts complete lines and those holding the needle, across 1 MiB reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-count-'));
  try {
    const file = join(dir, 'access.log');
    const line = `{"method":"GET","duration_ms":0.5,"pad":"${'x'.repeat(200)}"}\n`;
    const other = '{"level":"info","msg":"ready"}\n';
    // ~1.3 MiB so that some line straddles the read boundary.
    const body = other + line.repeat(6000) + other;
    writeFileSync(file, body);
    assert.deepEqual(countLines(file, '"duration_ms"'), { lines: 6002, matching: 6000 });
    assert.deepEqual(countLines(file), { lines: 6002, matching: 0 });
    assert.deepEqual(countLines(join(dir, 'missing')), { lines: 0, matching: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
