/** A problem found in a resource: where (a field path such as `spec.rules[0].from[0]`), what, how bad. */
import type { ErrorCode } from '../core/errors.js';

export type Severity = 'error' | 'warning';

export interface Problem {
  /** Field path from the document root, `spec.rules[0].matches[1].path.value`; "" for the whole document. */
  readonly path: string;
  /** What is wrong, in plain words. */
  readonly message: string;
  readonly severity: Severity;
  /** The stable code from `src/core/errors.ts` (WEFT_CONFIG_INVALID unless said otherwise). */
  readonly code: ErrorCode;
}

export function problem(path: string, message: string, severity: Severity = 'error', code: ErrorCode = 'WEFT_CONFIG_INVALID'): Problem {
  return { path, message, severity, code };
}
