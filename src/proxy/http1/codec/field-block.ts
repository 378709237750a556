// The header section scanner shared by request and response heads: validates every byte once, records
// five offsets per line, and reads the few headers that decide framing and connection handling.
import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TOKEN } from './char-classes.js';

const HOST = Buffer.from('host', 'latin1');
const EXPECT = Buffer.from('expect', 'latin1');
const UPGRADE = Buffer.from('upgrade', 'latin1');
const CONNECTION = Buffer.from('connection', 'latin1');
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');
const CLOSE = Buffer.from('close', 'latin1');
const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const CHUNKED = Buffer.from('chunked', 'latin1');

/** Whether buf[start, start + lit.length) equals the lower-case ASCII `lit`, ignoring case. */
export function bytesEqualIgnoringCase(buf: Buffer, start: number, lit: Buffer): boolean {
  for (let j = 0; j < lit.length; j++) {
    // `| 0x20` folds A–Z onto a–z and leaves '-' alone; callers only pass bytes already known to be tchar.
    if ((buf[start + j]! | 0x20) !== lit[j]) return false;
  }
  return true;
}

/** What the scanner learned; offsets are absolute positions in the parsed buffer. */
export class FieldBlock {
  /** FIELD_STRIDE numbers per line, relative to the head's first byte. */
  readonly fields: number[] = [];
  error: string | undefined = undefined;
  tooMany = false;
  hostCount = 0;
  hostStart = 0;
  hostEnd = 0;
  contentLengthCount = 0;
  /** The parsed Content-Length, or -1 when malformed (error is set then). */
  contentLength = -1;
  transferEncodingCount = 0;
  teStart = 0;
  teEnd = 0;
  upgradeCount = 0;
  upgradeStart = 0;
  upgradeEnd = 0;
  expectCount = 0;
  expectStart = 0;
  expectEnd = 0;
  connectionClose = false;
  connectionKeepAlive = false;
  connectionUpgrade = false;
  /** Connection lists tokens other than close / keep-alive / upgrade (names of headers to drop). */
  connectionOther = false;
}

/**
 * Scans header lines from buf[pos] up to and including the blank line, and returns the index just after
 * it; or -1 with the problem left in `out.error` / `out.tooMany`. The caller guarantees that a CRLFCRLF
 * lies at or after `pos`, so the scan cannot run off the end. `base` is the head's first byte.
 */
export function scanFieldBlock(buf: Buffer, base: number, pos: number, maxHeaders: number, out: FieldBlock): number {
  let p = pos;
  let count = 0;
  const fields = out.fields;
  for (;;) {
    const first = buf[p]!;
    if (first === CR) {
      if (buf[p + 1] === LF) return p + 2;
      out.error = 'bare CR in head (CRLF required)';
      return -1;
    }
    if (first === SP || first === HTAB) {
      out.error = 'obsolete line folding or whitespace before a header name';
      return -1;
    }
    if (++count > maxHeaders) {
      out.tooMany = true;
      return -1;
    }
    const nameStart = p;
    while (TOKEN[buf[p]!] === 1) p++;
    const nameEnd = p;
    if (buf[p] !== COLON || nameEnd === nameStart) {
      const c = buf[p];
      out.error =
        nameEnd === nameStart && c === LF ? 'bare LF line ending (CRLF required)'
        : nameEnd !== nameStart && (c === SP || c === HTAB) ? 'whitespace between header name and colon'
        : 'invalid character in header name';
      return -1;
    }
    p++;
    while (buf[p] === SP || buf[p] === HTAB) p++;
    const valueStart = p;
    while (FIELD_VALUE[buf[p]!] === 1) p++;
    if (buf[p] !== CR) {
      out.error = buf[p] === LF ? 'bare LF line ending (CRLF required)' : 'control character in header value';
      return -1;
    }
    if (buf[p + 1] !== LF) {
      out.error = 'bare CR in header line (CRLF required)';
      return -1;
    }
    // Trim trailing OWS, noting a tab among it.
    let valueEnd = p;
    let trailingTab = false;
    for (let c = buf[valueEnd - 1]; valueEnd > valueStart && (c === SP || c === HTAB); c = buf[valueEnd - 1]) {
      if (c === HTAB) trailingTab = true;
      valueEnd--;
    }
    p += 2;
    fields.push(nameStart - base, nameEnd - base, valueStart - base, valueEnd - base, p - base);
    if (!noteKnownHeader(buf, nameStart, nameEnd - nameStart, valueStart, valueEnd, trailingTab, out)) return -1;
  }
}

/**
 * Records framing/connection headers; false when one is malformed (out.error is set). A tab after the
 * value of a header we interpret is refused: llhttp, for one, stops recognising `chunked` or a length
 * followed by a tab, so accepting it would let two parsers frame the same bytes differently.
 */
function noteKnownHeader(buf: Buffer, ns: number, len: number, vs: number, ve: number, trailingTab: boolean, out: FieldBlock): boolean {
  if (trailingTab && isInterpreted(buf, ns, len)) {
    out.error = 'tab after the value of a framing or connection header';
    return false;
  }
  switch (len) {
    case 4:
      if (bytesEqualIgnoringCase(buf, ns, HOST)) {
        if (out.hostCount++ === 0) {
          out.hostStart = vs;
          out.hostEnd = ve;
        }
      }
      return true;
    case 6:
      if (bytesEqualIgnoringCase(buf, ns, EXPECT)) {
        if (out.expectCount++ === 0) {
          out.expectStart = vs;
          out.expectEnd = ve;
        }
      }
      return true;
    case 7:
      if (bytesEqualIgnoringCase(buf, ns, UPGRADE)) {
        if (out.upgradeCount++ === 0) {
          out.upgradeStart = vs;
          out.upgradeEnd = ve;
        }
      }
      return true;
    case 10:
      if (bytesEqualIgnoringCase(buf, ns, CONNECTION)) return scanConnection(buf, vs, ve, out);
      return true;
    case 14:
      if (bytesEqualIgnoringCase(buf, ns, CONTENT_LENGTH)) {
        if (++out.contentLengthCount > 1) {
          out.error = 'more than one Content-Length';
          return false;
        }
        out.contentLength = parseContentLength(buf, vs, ve);
        if (out.contentLength < 0) {
          out.error = 'malformed Content-Length';
          return false;
        }
      }
      return true;
    case 17:
      if (bytesEqualIgnoringCase(buf, ns, TRANSFER_ENCODING)) {
        if (out.transferEncodingCount++ === 0) {
          out.teStart = vs;
          out.teEnd = ve;
        }
      }
      return true;
    default:
      return true;
  }
}

function isInterpreted(buf: Buffer, ns: number, len: number): boolean {
  switch (len) {
    case 4:
      return bytesEqualIgnoringCase(buf, ns, HOST);
    case 6:
      return bytesEqualIgnoringCase(buf, ns, EXPECT);
    case 7:
      return bytesEqualIgnoringCase(buf, ns, UPGRADE);
    case 10:
      return bytesEqualIgnoringCase(buf, ns, CONNECTION);
    case 14:
      return bytesEqualIgnoringCase(buf, ns, CONTENT_LENGTH);
    case 17:
      return bytesEqualIgnoringCase(buf, ns, TRANSFER_ENCODING);
    default:
      return false;
  }
}

/** 1*DIGIT without a leading zero (except "0"), at most 2^53 - 1; -1 otherwise. */
export function parseContentLength(buf: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n === 0 || n > 16 || (n > 1 && buf[start] === 0x30)) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v > Number.MAX_SAFE_INTEGER ? -1 : v;
}

/** Connection = #connection-option (token list); sets the close / keep-alive / upgrade flags. */
function scanConnection(buf: Buffer, start: number, end: number, out: FieldBlock): boolean {
  let i = start;
  while (i < end) {
    const c = buf[i]!;
    if (c === SP || c === HTAB || c === 0x2c) {
      i++;
      continue;
    }
    const ts = i;
    while (i < end && TOKEN[buf[i]!] === 1) i++;
    const len = i - ts;
    if (len === 0) {
      out.error = 'invalid Connection header';
      return false;
    }
    if (len === 5 && bytesEqualIgnoringCase(buf, ts, CLOSE)) out.connectionClose = true;
    else if (len === 10 && bytesEqualIgnoringCase(buf, ts, KEEP_ALIVE)) out.connectionKeepAlive = true;
    else if (len === 7 && bytesEqualIgnoringCase(buf, ts, UPGRADE)) out.connectionUpgrade = true;
    else out.connectionOther = true;
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    if (i < end && buf[i] !== 0x2c) {
      out.error = 'invalid Connection header';
      return false;
    }
  }
  return true;
}

/**
 * Transfer-Encoding codings in buf[start, end): 1 when the last coding is `chunked` and no other is,
 * 0 when none is chunked, -1 when malformed or chunked is not last. Strict list syntax: no empty
 * elements, no parameters (llhttp, for one, does not read `chunked,` as chunked).
 */
export function scanTransferCodings(buf: Buffer, start: number, end: number): 1 | 0 | -1 {
  let i = start;
  let chunkedSeen = false;
  let lastChunked = false;
  for (;;) {
    const ts = i;
    while (i < end && TOKEN[buf[i]!] === 1) i++;
    const len = i - ts;
    if (len === 0) return -1;
    const isChunked = len === 7 && bytesEqualIgnoringCase(buf, ts, CHUNKED);
    if (isChunked && chunkedSeen) return -1;
    chunkedSeen ||= isChunked;
    lastChunked = isChunked;
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    if (i === end) break;
    if (buf[i] !== 0x2c) return -1;
    i++;
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
  }
  if (lastChunked) return 1;
  return chunkedSeen ? -1 : 0;
}

/** Whether buf[start, end) is exactly `chunked` (any case): the only Transfer-Encoding a request may carry. */
export function isExactlyChunked(buf: Buffer, start: number, end: number): boolean {
  return end - start === 7 && isTokenRun(buf, start, end) && bytesEqualIgnoringCase(buf, start, CHUNKED);
}

function isTokenRun(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (TOKEN[buf[i]!] !== 1) return false;
  return true;
}
