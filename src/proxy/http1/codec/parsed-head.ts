// The head objects the parser returns. A head keeps its bytes (`raw`), one latin1 string of them
// (`text`) and a flat table of offsets, five numbers per header line; header strings are cut from
// `text` only when asked for, so a request the proxy just forwards costs no per-header allocation.
import type { BodyFraming, RequestHead, ResponseHead } from './types.js';

/** Numbers per header line in `fields`: name start, name end, value start, value end, line end (after CRLF). */
export const FIELD_STRIDE = 5;

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/** Whether text[start, end) equals `name`, ignoring ASCII case. */
export function sameNameIgnoringCase(text: string, start: number, end: number, name: string): boolean {
  const n = name.length;
  if (end - start !== n) return false;
  for (let j = 0; j < n; j++) {
    const a = text.charCodeAt(start + j);
    const b = name.charCodeAt(j);
    if (a !== b && lower(a) !== lower(b)) return false;
  }
  return true;
}

/** Whether text[start, end) starts with the lower-case `prefix`, ignoring ASCII case. */
export function hasPrefixIgnoringCase(text: string, start: number, end: number, prefix: string): boolean {
  const n = prefix.length;
  if (end - start < n) return false;
  for (let j = 0; j < n; j++) {
    if (lower(text.charCodeAt(start + j)) !== prefix.charCodeAt(j)) return false;
  }
  return true;
}

/** Fields shared by request and response heads. Offsets are relative to the head's first byte (and `text`). */
export abstract class ParsedHead {
  private pairs: Array<readonly [string, string]> | undefined;
  private rawView: Buffer | undefined;

  constructor(
    /** The buffer the head was parsed from, and the head's first byte and end in it. */
    readonly source: Buffer,
    readonly start: number,
    readonly end: number,
    /** The head as one latin1 string. */
    readonly text: string,
    /** Offset just after the start line's CRLF. */
    readonly startLineEnd: number,
    /** FIELD_STRIDE numbers per header line. */
    readonly fields: readonly number[],
    /** Connection lists header names to drop (options other than close / keep-alive / upgrade). */
    readonly connectionOptions: boolean,
  ) {}

  /** The head bytes: a view of the parsed buffer, made on first use. */
  get raw(): Buffer {
    return (this.rawView ??= this.source.subarray(this.start, this.end));
  }

  /** First value of a header by name (case-insensitive), or undefined. */
  header(name: string): string | undefined {
    const f = this.fields;
    for (let i = 0; i < f.length; i += FIELD_STRIDE) {
      if (sameNameIgnoringCase(this.text, f[i]!, f[i + 1]!, name)) return this.text.slice(f[i + 2], f[i + 3]);
    }
    return undefined;
  }

  /** All [lower-case name, value] pairs in order. */
  headers(): ReadonlyArray<readonly [string, string]> {
    if (this.pairs === undefined) {
      const f = this.fields;
      const out: Array<readonly [string, string]> = [];
      for (let i = 0; i < f.length; i += FIELD_STRIDE) {
        out.push([this.text.slice(f[i], f[i + 1]).toLowerCase(), this.text.slice(f[i + 2], f[i + 3])]);
      }
      this.pairs = out;
    }
    return this.pairs;
  }
}

export class ParsedRequestHead extends ParsedHead implements RequestHead {
  constructor(
    source: Buffer,
    start: number,
    end: number,
    text: string,
    startLineEnd: number,
    fields: readonly number[],
    connectionOptions: boolean,
    readonly method: string,
    readonly target: string,
    readonly path: string,
    readonly versionMinor: 0 | 1,
    readonly host: string | undefined,
    readonly framing: BodyFraming,
    readonly keepAlive: boolean,
    readonly upgrade: string | undefined,
    readonly expectContinue: boolean,
    /** For an absolute-form target: the origin-form (path and query) to forward instead. */
    readonly originForm: string | undefined,
    /** For an absolute-form target without a Host header (HTTP/1.0): the Host to forward. */
    readonly missingHost: string | undefined,
  ) {
    super(source, start, end, text, startLineEnd, fields, connectionOptions);
  }
}

export class ParsedResponseHead extends ParsedHead implements ResponseHead {
  constructor(
    source: Buffer,
    start: number,
    end: number,
    text: string,
    startLineEnd: number,
    fields: readonly number[],
    connectionOptions: boolean,
    readonly status: number,
    readonly reason: string,
    readonly versionMinor: 0 | 1,
    readonly framing: BodyFraming,
    readonly keepAlive: boolean,
    readonly upgrade: string | undefined,
  ) {
    super(source, start, end, text, startLineEnd, fields, connectionOptions);
  }
}
