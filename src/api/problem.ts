/** A problem found in a resource: where (a field path such as `spec.rules[0].from[0]`), what, how bad. */
export type Severity = 'error' | 'warning';

export interface Problem {
  /** Field path from the document root, `spec.rules[0].matches[1].path.value`; "" for the whole document. */
  readonly path: string;
  /** What is wrong, in plain words. */
  readonly message: string;
  readonly severity: Severity;
}

export function problem(path: string, message: string, severity: Severity = 'error'): Problem {
  return { path, message, severity };
}
