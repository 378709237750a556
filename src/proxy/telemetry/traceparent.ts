/**
 * W3C Trace Context `traceparent` (Level 1): parse and validate by char codes (no regex), start a
 * new trace when the header is absent or invalid, and make the child for the outgoing request
 * (same trace id, new parent id, same flags). Format: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`.
 */
import type { RandomBytes } from './random-bytes.js';

export interface TraceContext {
  /** 32 lower-case hex characters, not all zero. */
  readonly traceId: string;
  /** 16 lower-case hex characters, not all zero: the span that sent the request. */
  readonly parentId: string;
  /** Trace flags; bit 0 is `sampled`. */
  readonly flags: number;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const TRACEPARENT_LENGTH = 55;

function isLowerHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

/** True when s[from, to) is lower-case hex and not all '0'. */
function hexNotZero(s: string, from: number, to: number): boolean {
  let nonZero = false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!isLowerHex(c)) return false;
    if (c !== 48) nonZero = true;
  }
  return nonZero;
}

function hexByte(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  return ((a <= 57 ? a - 48 : a - 87) << 4) | (b <= 57 ? b - 48 : b - 87);
}

/**
 * Parses a `traceparent` value; undefined when absent or invalid. Version `ff` is invalid; version
 * 00 must be exactly 55 characters; a higher version may carry more fields after a `-` (parsed as
 * version 00, as the specification asks).
 */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (value === undefined || value.length < TRACEPARENT_LENGTH) return undefined;
  const v0 = value.charCodeAt(0);
  const v1 = value.charCodeAt(1);
  if (!isLowerHex(v0) || !isLowerHex(v1)) return undefined;
  if (v0 === 102 && v1 === 102) return undefined; // ff
  const isV00 = v0 === 48 && v1 === 48;
  if (isV00 ? value.length !== TRACEPARENT_LENGTH : value.length > TRACEPARENT_LENGTH && value.charCodeAt(TRACEPARENT_LENGTH) !== 45) {
    return undefined;
  }
  if (value.charCodeAt(2) !== 45 || value.charCodeAt(35) !== 45 || value.charCodeAt(52) !== 45) return undefined;
  if (!hexNotZero(value, 3, 35) || !hexNotZero(value, 36, 52)) return undefined;
  if (!isLowerHex(value.charCodeAt(53)) || !isLowerHex(value.charCodeAt(54))) return undefined;
  return { traceId: value.slice(3, 35), parentId: value.slice(36, 52), flags: hexByte(value, 53) };
}

/** The header value for a context, always version 00. */
export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.parentId}-${HEX[ctx.flags & 0xff] as string}`;
}

/** Hex of `n` random bytes, retried until not all zero (an all-zero id is invalid). */
function randomHex(random: RandomBytes, scratch: Uint8Array): string {
  for (;;) {
    random.fill(scratch);
    let s = '';
    let nonZero = false;
    for (let i = 0; i < scratch.length; i++) {
      const b = scratch[i] as number;
      if (b !== 0) nonZero = true;
      s += HEX[b] as string;
    }
    if (nonZero) return s;
  }
}

/** Creates ids from a random source; keep one per proxy. */
export interface TraceIds {
  /** A new trace (new trace id and parent id); `sampled` sets flag bit 0. */
  newTrace(sampled: boolean): TraceContext;
  /** The context for the outgoing request: same trace id and flags, a new parent (span) id. */
  child(parent: TraceContext): TraceContext;
  /**
   * The `traceparent` to send upstream for an incoming value: the child of a valid one, or a new
   * trace (not sampled) when it is absent or invalid.
   */
  outgoing(incoming: string | undefined): TraceContext;
}

export function createTraceIds(random: RandomBytes): TraceIds {
  const b16 = new Uint8Array(16);
  const b8 = new Uint8Array(8);
  const ids: TraceIds = {
    newTrace(sampled: boolean): TraceContext {
      return { traceId: randomHex(random, b16), parentId: randomHex(random, b8), flags: sampled ? 1 : 0 };
    },
    child(parent: TraceContext): TraceContext {
      return { traceId: parent.traceId, parentId: randomHex(random, b8), flags: parent.flags };
    },
    outgoing(incoming: string | undefined): TraceContext {
      const parsed = parseTraceparent(incoming);
      return parsed === undefined ? ids.newTrace(false) : ids.child(parsed);
    },
  };
  return ids;
}
