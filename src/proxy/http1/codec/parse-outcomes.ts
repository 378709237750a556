// Shared, frozen parse outcomes: refusing a message allocates nothing.
import type { BodyFraming, HeadErrorCode } from './types.js';

export interface HeadError {
  readonly state: 'error';
  readonly code: HeadErrorCode;
  readonly reason: string;
}

export const INCOMPLETE: { readonly state: 'incomplete' } = Object.freeze({ state: 'incomplete' });

export function badRequest(reason: string): HeadError {
  return Object.freeze({ state: 'error', code: 'WEFT_PROXY_BAD_REQUEST', reason });
}

// The header-block scanner reports problems from a small closed set of reasons; each gets one frozen
// error value, made the first time it is seen, so refusing a request allocates nothing.
const blockErrors = new Map<string, HeadError>();

/** The (shared, frozen) error for a header-block problem. */
export function blockError(reason: string): HeadError {
  let e = blockErrors.get(reason);
  if (e === undefined) {
    e = badRequest(reason);
    blockErrors.set(reason, e);
  }
  return e;
}

export const HEAD_TOO_LARGE: HeadError = Object.freeze({ state: 'error', code: 'WEFT_PROXY_HEAD_TOO_LARGE', reason: 'head larger than the limit' });
export const TOO_MANY_HEADERS: HeadError = Object.freeze({ state: 'error', code: 'WEFT_PROXY_HEAD_TOO_LARGE', reason: 'more headers than the limit' });

export const FRAMING_NONE: BodyFraming = Object.freeze({ kind: 'none' });
export const FRAMING_CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
export const FRAMING_CLOSE: BodyFraming = Object.freeze({ kind: 'close' });

/** `length` framing for a parsed Content-Length; 0 means no body. */
export function lengthFraming(length: number): BodyFraming {
  return length === 0 ? FRAMING_NONE : { kind: 'length', length };
}
