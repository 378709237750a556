// Which modules a fresh Node process loads when it imports the given files: a child `node` registers
// `resolve-recorder-hook.js`, imports them, and prints every resolved URL. Static and dynamic imports
// made during module evaluation are both seen.
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { repoPath } from './repo-root.js';

const childScript = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const [hook, ...targets] = JSON.parse(process.argv[1]);
const { port1, port2 } = new MessageChannel();
const urls = [];
const marker = 'data:text/javascript,export default "loaded-module-urls-marker"';
const seenMarker = new Promise((done) => port1.on('message', (u) => { if (u === marker) done(); else urls.push(u); }));
register(hook, { data: port2, transferList: [port2] });
for (const t of targets) await import(t);
await import(marker);
await seenMarker;
port1.close();
process.stdout.write(JSON.stringify(urls));
`;

/** Imports each file (absolute paths) in a fresh `node` and resolves to every module URL it resolved. */
export function loadedModuleUrls(files: readonly string[]): Promise<string[]> {
  const hook = pathToFileURL(repoPath('dist', 'test', 'support', 'resolve-recorder-hook.js')).href;
  const args = JSON.stringify([hook, ...files.map((f) => pathToFileURL(f).href)]);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', childScript, args], { cwd: repoPath(), timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as string[]);
    });
  });
}

/** The npm packages among module URLs (`ajv`, `@sinclair/typebox`, ...), sorted. */
export function packagesOf(urls: readonly string[]): string[] {
  const names = new Set<string>();
  for (const url of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m?.[1] !== undefined) names.add(m[1]);
  }
  return [...names].sort();
}
