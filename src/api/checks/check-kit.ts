/** Small helpers for the checks that look at a whole resource after its schema passed. */
import { durationToMs } from '../duration.js';
import { problem, type Problem } from '../problem.js';

/** A duration that must lie in [min, max] (both inclusive, as durations: "1ms", "24h"). */
export function durationRange(out: Problem[], path: string, value: string | undefined, min: string, max: string): void {
  if (value === undefined) return;
  const ms = durationToMs(value);
  const lo = durationToMs(min) ?? 0;
  const hi = durationToMs(max) ?? Number.POSITIVE_INFINITY;
  if (ms === undefined) return; // the schema already said it is not a duration
  if (ms < lo) out.push(problem(path, `${JSON.stringify(value)} is shorter than the minimum, ${min}`));
  else if (ms > hi) out.push(problem(path, `${JSON.stringify(value)} is longer than the maximum, ${max}`));
}

/** Reports every value that occurs more than once in a list, at its second place. */
export function duplicates<T>(out: Problem[], items: readonly T[], keyOf: (item: T) => string | undefined, pathOf: (index: number) => string, what: string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const key = keyOf(item);
    if (key === undefined) return;
    if (seen.has(key)) out.push(problem(pathOf(i), `${what} ${JSON.stringify(key)} is used more than once`));
    seen.add(key);
  });
}

/** Target references must name kinds the policy can attach to. */
export function targetKinds(out: Problem[], refs: readonly { readonly group: string; readonly kind: string }[], allowed: readonly string[], path: string): void {
  refs.forEach((ref, i) => {
    const ok = allowed.some((a) => {
      const [group, kind] = a.split('/');
      return ref.group === group && ref.kind === kind;
    });
    if (!ok) {
      const names = allowed.map((a) => a.replace(/^\//, 'core/')).join(', ');
      out.push(problem(`${path}[${i}]`, `cannot target group ${JSON.stringify(ref.group)} kind ${ref.kind}; allowed: ${names}`));
    }
  });
}
