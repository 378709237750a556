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
 * Whether a `traceparent` value is valid. Version `ff` is invalid; version 00 must be exactly 55
 * characters; a higher version may carry more fields after a `-` (read as version 00, as the
 * specification asks).
 */
function isValidTraceparent(value: string): boolean {
  if (value.length < TRACEPARENT_LENGTH) return false;
  const v0 = value.charCodeAt(0);
  const v1 = value.charCodeAt(1);
  if (!isLowerHex(v0) || !isLowerHex(v1)) return false;
  if (v0 === 102 && v1 === 102) return false; // ff
  const isV00 = v0 === 48 && v1 === 48;
  if (isV00 ? value.length !== TRACEPARENT_LENGTH : value.length > TRACEPARENT_LENGTH && value.charCodeAt(TRACEPARENT_LENGTH) !== 45) {
    return false;
  }
  if (value.charCodeAt(2) !== 45 || value.charCodeAt(35) !== 45 || value.charCodeAt(52) !== 45) return false;
  if (!hexNotZero(value, 3, 35) || !hexNotZero(value, 36, 52)) return false;
  return isLowerHex(value.charCodeAt(53)) && isLowerHex(value.charCodeAt(54));
}

/** Parses a `traceparent` value; undefined when absent or invalid (see `isValidTraceparent`). */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (value === undefined || !isValidTraceparent(value)) return undefined;
  return { traceId: value.slice(3, 35), parentId: value.slice(36, 52), flags: hexByte(value, 53) };
}

/** The trace id of a valid `traceparent` value, else undefined: `parseTraceparent(v)?.traceId` without the context object. */
export function traceIdOf(value: string): string | undefined {
  return isValidTraceparent(value) ? value.slice(3, 35) : undefined;
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
   * A new trace as its `traceparent` value (version 00), built in one step into one string: the
   * per-request form of `formatTraceparent(newTrace(sampled))`. The trace id is `value.slice(3, 35)`.
   */
  newTraceparent(sampled: boolean): string;
  /**
   * The `traceparent` to send upstream for an incoming value: the child of a valid one, or a new
   * trace (not sampled) when it is absent or invalid.
   */
  outgoing(incoming: string | undefined): TraceContext;
}

/** Lower-case hex digits by value, as character codes. */
const HEX_CODES: Uint8Array = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

export function createTraceIds(random: RandomBytes): TraceIds {
  const b16 = new Uint8Array(16);
  const b8 = new Uint8Array(8);
  const b24 = new Uint8Array(24);
  // `00-<32 hex>-<16 hex>-<2 hex>`: the dashes and version stay, the hex is rewritten per trace.
  const line = Buffer.from(`00-${'0'.repeat(32)}-${'0'.repeat(16)}-00`, 'latin1');
  const ids: TraceIds = {
    newTraceparent(sampled: boolean): string {
      // Trace id bytes 0–15, parent id bytes 16–23; neither may be all zero.
      do random.fill(b24);
      while (allZero(b24, 0, 16) || allZero(b24, 16, 24));
      for (let i = 0; i < 24; i++) {
        const b = b24[i] as number;
        const at = i < 16 ? 3 + 2 * i : 4 + 2 * i; // skip the dash between the ids
        line[at] = HEX_CODES[b >> 4] as number;
        line[at + 1] = HEX_CODES[b & 15] as number;
      }
      line[54] = sampled ? 0x31 : 0x30;
      return line.toString('latin1', 0, TRACEPARENT_LENGTH);
    },
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
