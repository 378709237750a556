// Runs every compiled test file with node's test runner and ends with the plain summary line
// `N passed, N failed`. Usage: node dist/scripts/run-tests.js [substring-filter ...]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = process.cwd();
const filters = process.argv.slice(2);

function find(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...find(p));
    // Only tests whose TypeScript source still exists: tsc leaves compiled files of deleted sources behind.
    else if (entry.name.endsWith('.test.js') && existsSync(join(root, relative(join(root, 'dist'), p)).replace(/\.js$/, '.ts'))) out.push(relative(root, p));
  }
  return out;
}

const all = ['dist/src', 'dist/scripts', 'dist/test'].flatMap((d) => {
  try {
    return find(join(root, d));
  } catch {
    return [];
  }
});
const files = all.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

mkdirSync('.test-results', { recursive: true });
const tapFile = join('.test-results', 'results.tap');
// A test file that hangs (a handle left open after a failure) is cancelled instead of holding the
// whole run: no file takes near this long (the slowest run about two minutes).
const testTimeoutMs = 10 * 60 * 1000;
const args = [
  '--test',
  `--test-timeout=${testTimeoutMs}`,
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tapFile}`,
  ...files,
];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
child.on('exit', (code) => {
  const tap = readFileSync(tapFile, 'utf8');
  const count = (name: string): number => {
    const m = new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap);
    return m ? Number(m[1]) : 0;
  };
  const passed = count('pass');
  const failed = count('fail') + count('cancelled');
  const skipped = count('skipped');
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
