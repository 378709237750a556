/**
 * Expected failures are values, not exceptions (CONVENTIONS §8). A `Result` is either `ok` with a
 * value or not ok with an error; domain code returns these and callers branch on `ok`.
 */
export type Result<T, E = WeftError> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

import type { WeftError } from './errors.js';

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
