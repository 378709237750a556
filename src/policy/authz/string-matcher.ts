/**
 * Istio's string match forms, compiled once: exact `abc`, prefix `abc*`, suffix `*abc`, and `*`
 * (any present value). A `*` anywhere else is refused at compile time, as Istio does.
 */

export interface StringMatcher {
  /** `*`: any present value, even an empty one (Istio's presence match). */
  readonly any: boolean;
  readonly exact: ReadonlySet<string>;
  readonly prefixes: readonly string[];
  readonly suffixes: readonly string[];
}

/** Compiles patterns; returns the index of the first malformed one as `bad` instead of throwing. */
export function compileStringMatcher(
  patterns: readonly string[],
  transform: (value: string) => string = identity,
): { readonly matcher: StringMatcher } | { readonly bad: number } {
  let any = false;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i] ?? '';
    if (p === '*') {
      any = true;
      continue;
    }
    const star = p.indexOf('*');
    if (star === -1) {
      exact.add(transform(p));
    } else if (star === p.length - 1 && p.indexOf('*', 0) === star) {
      prefixes.push(transform(p.slice(0, -1)));
    } else if (star === 0 && p.indexOf('*', 1) === -1) {
      suffixes.push(transform(p.slice(1)));
    } else {
      return { bad: i };
    }
  }
  return { matcher: Object.freeze({ any, exact, prefixes: Object.freeze(prefixes), suffixes: Object.freeze(suffixes) }) };
}

function identity(value: string): string {
  return value;
}

/** True when `value` is present (not undefined) and matches one of the patterns. */
export function matchString(m: StringMatcher, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (m.any) return true;
  if (m.exact.size > 0 && m.exact.has(value)) return true;
  const prefixes = m.prefixes;
  for (let i = 0; i < prefixes.length; i++) {
    if (value.startsWith(prefixes[i] as string)) return true;
  }
  const suffixes = m.suffixes;
  for (let i = 0; i < suffixes.length; i++) {
    if (value.endsWith(suffixes[i] as string)) return true;
  }
  return false;
}
