// Checks the import direction and cycles over src/ (run by `npm run lint`).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { checkDirection, findCycles } from './layer-rule.js';

const root = process.cwd();

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(p));
    else if (entry.name.endsWith('.ts')) out.push(relative(root, p));
  }
  return out;
}

const importPattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

const files = listTs(join(root, 'src'));
const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const targets: string[] = [];
  for (const m of text.matchAll(importPattern)) {
    const spec = m[1] ?? m[2];
    if (spec === undefined) continue;
    const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
    // Type-only edges still couple the layers, so they count; test files may reach anywhere below src.
    if (!file.endsWith('.test.ts')) {
      const v = checkDirection(file, target);
      if (v) problems.push(`${v.from}: imports ${v.to}: ${v.reason}`);
    }
    targets.push(target);
  }
  graph.set(file, targets);
}
for (const cycle of findCycles(graph)) problems.push(`import cycle: ${[...cycle, cycle[0]].join(' → ')}`);
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`layers: ${files.length} files, imports go downward, no cycles`);
