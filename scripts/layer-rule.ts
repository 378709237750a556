/**
 * The architecture's import rule as pure logic: imports go downward only
 * (cli/dashboard → control/runtime/kube → proxy → policy → api → core), and no cycles.
 */
export const layerRank: Readonly<Record<string, number>> = {
  core: 0,
  api: 1,
  policy: 2,
  proxy: 3,
  control: 4,
  runtime: 4,
  kube: 4,
  cli: 5,
  dashboard: 5,
};

/** Same-rank imports the architecture names explicitly (kube reuses runtime's capture rules). */
const allowedSideways: ReadonlySet<string> = new Set(['kube->runtime', 'dashboard->control']);

export interface Violation {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/** The top folder under src/ of a path such as `src/proxy/x.ts`, or undefined outside src/. */
export function areaOf(path: string): string | undefined {
  const m = /^src\/([^/]+)\//.exec(path);
  return m?.[1];
}

export function checkDirection(from: string, to: string): Violation | undefined {
  const a = areaOf(from);
  const b = areaOf(to);
  if (a === undefined || b === undefined || a === b) return undefined;
  const ra = layerRank[a];
  const rb = layerRank[b];
  if (ra === undefined) return { from, to, reason: `src/${a} is not a part of the architecture` };
  if (rb === undefined) return { from, to, reason: `src/${b} is not a part of the architecture` };
  if (rb < ra || allowedSideways.has(`${a}->${b}`)) return undefined;
  return { from, to, reason: `${a}/ may not import ${b}/ (imports go downward only)` };
}

/** Every cycle in the import graph, each as the list of files around it (deduplicated by rotation). */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 1 | 2>(); // 1 = on stack, 2 = done
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === 1) {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join('|');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (s === undefined && graph.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}
