/**
 * The HTTP/1.1 codec's contract with the proxy engine (see CODEC-API.md). Pure values: nothing here
 * touches a socket. Heads are parsed once into a flat offset table; strings appear only on demand.
 */

/** Limits on one message head. A head over either limit is refused with WEFT_PROXY_HEAD_TOO_LARGE (431). */
export interface HeadLimits {
  readonly maxHeadBytes: number;
  readonly maxHeaders: number;
}

export const defaultHeadLimits: HeadLimits = Object.freeze({ maxHeadBytes: 65536, maxHeaders: 128 });

/** How the body after a head is delimited. Objects without fields are shared frozen singletons. */
export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' };

export interface RequestHead {
  /** Validated token, as sent (case-sensitive). */
  readonly method: string;
  /** The request-target as sent. */
  readonly target: string;
  /** Path without the query: origin-form as sent, absolute-form's path ('/' when empty), '' for authority- and asterisk-form. */
  readonly path: string;
  readonly versionMinor: 0 | 1;
  /** The Host header (or, for absolute-form, the target's authority, which then must equal the Host header). */
  readonly host: string | undefined;
  /** none | length | chunked. `Content-Length: 0` gives `none`. */
  readonly framing: BodyFraming;
  readonly keepAlive: boolean;
  /** The Upgrade value when Connection contains "upgrade" (HTTP/1.1 only). */
  readonly upgrade: string | undefined;
  /** `Expect: 100-continue` on an HTTP/1.1 request. */
  readonly expectContinue: boolean;
  /** The head bytes, request line through the blank line (a subarray of the parsed buffer, not a copy). */
  readonly raw: Buffer;
  /** First value of a header by name (case-insensitive), or undefined. */
  header(name: string): string | undefined;
  /** All [lower-case name, value] pairs in order (built on the first call, then cached). */
  headers(): ReadonlyArray<readonly [string, string]>;
}

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly versionMinor: 0 | 1;
  /** Uses the request method: HEAD, 1xx, 204, 304 → none; CONNECT 2xx → close. */
  readonly framing: BodyFraming;
  readonly keepAlive: boolean;
  readonly upgrade: string | undefined;
  readonly raw: Buffer;
  header(name: string): string | undefined;
  headers(): ReadonlyArray<readonly [string, string]>;
}

export type HeadErrorCode = 'WEFT_PROXY_BAD_REQUEST' | 'WEFT_PROXY_HEAD_TOO_LARGE';

export type ParseResult<T> =
  | { readonly state: 'incomplete' }
  | { readonly state: 'error'; readonly code: HeadErrorCode; readonly reason: string }
  | { readonly state: 'complete'; readonly head: T; readonly length: number };

export type ChunkedScanResult = { readonly consumed: number; readonly done: boolean } | { readonly error: string };

/** Byte-exact scanner of one chunked body, so the proxy can forward the bytes verbatim as they come. */
export interface ChunkedScanner {
  /**
   * Scans buf[offset, end). Returns how many bytes belong to this body (consumed ≤ end-offset) and whether
   * the body (last chunk + trailers + final CRLF) is complete; or an error for a bad chunk size / framing.
   * After `done` or an error, further calls return the same outcome with nothing consumed until `reset()`.
   */
  scan(buf: Buffer, offset: number, end: number): ChunkedScanResult;
  reset(): void;
}

export interface ChunkedLimits {
  /** Bytes of one chunk-size line (size + extensions + CRLF). Default 4096. */
  readonly maxChunkHeaderBytes?: number;
  /** Bytes of the whole trailer section. Default 16384. */
  readonly maxTrailerBytes?: number;
}

export interface HeadEdits {
  /**
   * Lower-case header names to drop. The serializer also always drops the hop-by-hop headers connection,
   * keep-alive, proxy-connection, te, upgrade (unless keepUpgrade) and every name listed in the Connection
   * header (except host, content-length and transfer-encoding, which keep the message framed).
   */
  readonly remove: ReadonlyArray<string>;
  /** Lower-case name prefixes to drop (for example `x-weft-`). Addition to the agreed API. */
  readonly removePrefixes?: ReadonlyArray<string>;
  /** Headers to append, already validated by the caller (latin1 text, no CR/LF). */
  readonly add: ReadonlyArray<readonly [string, string]>;
  /** Keep Upgrade and send `connection: upgrade` (when the head has an upgrade and `add` has no connection). */
  readonly keepUpgrade?: boolean;
}

export interface SimpleResponseOptions {
  readonly close?: boolean;
  readonly extraHeaders?: ReadonlyArray<readonly [string, string]>;
}
