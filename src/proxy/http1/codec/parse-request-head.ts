// Strict request-head parser (RFC 9112 with the refusals listed in CODEC-API.md). One pass over the
// bytes, one latin1 string per head; everything that could let two parsers disagree about where a
// request ends is refused rather than repaired.
import { CR, HOST, LF, SP, TARGET, TOKEN } from './char-classes.js';
import { FieldBlock, isExactlyChunked, scanFieldBlock } from './field-block.js';
import { endsWithBlankLine, findHeadEnd } from './head-boundary.js';
import { FRAMING_CHUNKED, FRAMING_NONE, HEAD_TOO_LARGE, INCOMPLETE, TOO_MANY_HEADERS, badRequest, blockError, lengthFraming, type HeadError } from './parse-outcomes.js';
import { ParsedRequestHead } from './parsed-head.js';
import type { BodyFraming, HeadLimits, ParseResult, RequestHead } from './types.js';

const E = {
  method: badRequest('invalid method'),
  requestLine: badRequest('malformed request line'),
  target: badRequest('invalid request target'),
  version: badRequest('unsupported HTTP version'),
  noHost: badRequest('missing Host header'),
  manyHost: badRequest('more than one Host header'),
  badHost: badRequest('invalid Host header'),
  hostMismatch: badRequest('Host header differs from the absolute-form target'),
  clAndTe: badRequest('both Content-Length and Transfer-Encoding'),
  manyTe: badRequest('more than one Transfer-Encoding header'),
  te: badRequest('Transfer-Encoding other than exactly chunked'),
  te10: badRequest('Transfer-Encoding in an HTTP/1.0 request'),
  connectTarget: badRequest('CONNECT needs an authority-form target'),
  connectBody: badRequest('CONNECT with a body'),
  asterisk: badRequest('asterisk-form target is only for OPTIONS'),
  manyExpect: badRequest('more than one Expect header'),
  expect: badRequest('unsupported expectation'),
  manyUpgrade: badRequest('more than one Upgrade header'),
} as const;

const CONTINUE = Buffer.from('100-continue', 'latin1');

/** Where the parts of a request line are. */
class RequestLine {
  methodEnd = 0;
  targetStart = 0;
  targetEnd = 0;
  versionMinor: 0 | 1 = 1;
  /** Just after the line's CRLF. */
  lineEnd = 0;
}

const EARLY_LINE_CHECK_BYTES = 2048;

/**
 * Request line: method SP request-target SP HTTP-version CRLF, single spaces only. Fills `out`, or
 * returns the refusal. Needs a CR at or after the line's end in `buf` (so no scan runs off the end).
 */
function scanRequestLine(buf: Buffer, start: number, out: RequestLine): HeadError | undefined {
  let p = start;
  while (TOKEN[buf[p]!] === 1) p++;
  const methodEnd = p;
  if (methodEnd === start) return E.method;
  if (buf[p] !== SP) return buf[p] === CR ? E.requestLine : E.method;
  const targetStart = ++p;
  while (TARGET[buf[p]!] === 1) p++;
  const targetEnd = p;
  if (targetEnd === targetStart || buf[p] !== SP) return targetEnd === targetStart ? E.requestLine : E.target;
  p++;
  if (
    buf[p] !== 0x48 || buf[p + 1] !== 0x54 || buf[p + 2] !== 0x54 || buf[p + 3] !== 0x50 ||
    buf[p + 4] !== 0x2f || buf[p + 5] !== 0x31 || buf[p + 6] !== 0x2e
  ) {
    return E.version;
  }
  const minorByte = buf[p + 7];
  if (minorByte !== 0x30 && minorByte !== 0x31) return E.version;
  if (buf[p + 8] !== CR || buf[p + 9] !== LF) return E.version;
  out.methodEnd = methodEnd;
  out.targetStart = targetStart;
  out.targetEnd = targetEnd;
  out.versionMinor = minorByte === 0x31 ? 1 : 0;
  out.lineEnd = p + 10;
  return undefined;
}

/**
 * Parses one request head starting at buf[offset]. Leading CRLF pairs (allowed before a request line by
 * RFC 9112 §2.2) are skipped and counted in `length`. Needs the whole head in `buf`: until the blank line
 * has arrived the answer is `incomplete` (or an early refusal of bytes that can never form a valid head).
 */
export function parseRequestHead(buf: Buffer, offset: number, limits: HeadLimits): ParseResult<RequestHead> {
  let start = offset;
  while (buf[start] === CR && buf[start + 1] === LF) start += 2;
  if (start === buf.length || (buf[start] === CR && start + 1 === buf.length)) {
    return buf.length - offset > limits.maxHeadBytes ? HEAD_TOO_LARGE : INCOMPLETE;
  }
  const line = new RequestLine();
  if (!endsWithBlankLine(buf, offset, start, limits.maxHeadBytes)) {
    const blank = findHeadEnd(buf, offset, start, limits.maxHeadBytes);
    if (blank === INCOMPLETE) {
      // Refuse a bad request line as soon as it has arrived (bounded, so a trickling head stays cheap).
      const lf = buf.indexOf(LF, start);
      if (lf !== -1 && lf - start <= EARLY_LINE_CHECK_BYTES) {
        const bad = scanRequestLine(buf, start, line);
        if (bad !== undefined) return bad;
      }
      return INCOMPLETE;
    }
    if (typeof blank !== 'number') return blank;
  }
  const bad = scanRequestLine(buf, start, line);
  if (bad !== undefined) return bad;
  const { methodEnd, targetStart, targetEnd, versionMinor, lineEnd } = line;

  const block = new FieldBlock();
  const end = scanFieldBlock(buf, start, lineEnd, limits.maxHeaders, block);
  if (end < 0) return block.tooMany ? TOO_MANY_HEADERS : blockError(block.error ?? 'malformed header');
  if (end - offset > limits.maxHeadBytes) return HEAD_TOO_LARGE;

  const text = buf.toString('latin1', start, end);
  const method = text.slice(0, methodEnd - start);
  const target = text.slice(targetStart - start, targetEnd - start);
  const isConnect = method === 'CONNECT';

  // Host
  if (block.hostCount > 1) return E.manyHost;
  if (block.hostCount === 0 && versionMinor === 1) return E.noHost;
  let host: string | undefined;
  if (block.hostCount === 1) {
    for (let i = block.hostStart; i < block.hostEnd; i++) if (HOST[buf[i]!] !== 1) return E.badHost;
    host = text.slice(block.hostStart - start, block.hostEnd - start);
  }

  // Request-target form
  let path: string;
  let originForm: string | undefined;
  let missingHost: string | undefined;
  const t0 = buf[targetStart];
  if (isConnect) {
    if (!isAuthorityWithPort(buf, targetStart, targetEnd)) return E.connectTarget;
    path = '';
  } else if (t0 === 0x2f) {
    let q = text.indexOf('?', targetStart - start);
    if (q === -1 || q > targetEnd - start) q = targetEnd - start;
    path = text.slice(targetStart - start, q);
  } else if (t0 === 0x2a && targetEnd - targetStart === 1) {
    if (method !== 'OPTIONS') return E.asterisk;
    path = '';
  } else {
    const a = absoluteForm(buf, targetStart, targetEnd);
    if (a === undefined) return E.target;
    const authority = text.slice(a.authorityStart - start, a.authorityEnd - start);
    if (host !== undefined && host.toLowerCase() !== authority.toLowerCase()) return E.hostMismatch;
    if (host === undefined) missingHost = authority;
    host = authority;
    path = a.pathStart === a.pathEnd ? '/' : text.slice(a.pathStart - start, a.pathEnd - start);
    originForm = a.pathStart === a.pathEnd ? `/${text.slice(a.pathEnd - start, targetEnd - start)}` : text.slice(a.pathStart - start, targetEnd - start);
  }

  // Body framing
  let framing: BodyFraming;
  if (block.transferEncodingCount > 0) {
    if (block.contentLengthCount > 0) return E.clAndTe;
    if (block.transferEncodingCount > 1) return E.manyTe;
    if (versionMinor === 0) return E.te10;
    if (!isExactlyChunked(buf, block.teStart, block.teEnd)) return E.te;
    framing = FRAMING_CHUNKED;
  } else if (block.contentLengthCount === 1) {
    framing = lengthFraming(block.contentLength);
  } else {
    framing = FRAMING_NONE;
  }
  if (isConnect && framing !== FRAMING_NONE) return E.connectBody;

  // Expect
  let expectContinue = false;
  if (block.expectCount > 1) return E.manyExpect;
  if (block.expectCount === 1) {
    if (!equalsIgnoringCase(buf, block.expectStart, block.expectEnd, CONTINUE)) return E.expect;
    expectContinue = versionMinor === 1; // RFC 9110 §10.1.1: ignore 100-continue from HTTP/1.0
  }

  // Connection and Upgrade
  if (block.upgradeCount > 1) return E.manyUpgrade;
  const upgrade =
    versionMinor === 1 && block.connectionUpgrade && block.upgradeCount === 1 && block.upgradeEnd > block.upgradeStart
      ? text.slice(block.upgradeStart - start, block.upgradeEnd - start)
      : undefined;
  const keepAlive = versionMinor === 1 ? !block.connectionClose : block.connectionKeepAlive && !block.connectionClose;

  const head = new ParsedRequestHead(
    buf,
    start,
    end,
    text,
    lineEnd - start,
    block.fields,
    block.connectionOther,
    method,
    target,
    path,
    versionMinor,
    host,
    framing,
    keepAlive,
    upgrade,
    expectContinue,
    originForm,
    missingHost,
  );
  return { state: 'complete', head, length: end - offset };
}

function equalsIgnoringCase(buf: Buffer, start: number, end: number, lit: Buffer): boolean {
  if (end - start !== lit.length) return false;
  for (let j = 0; j < lit.length; j++) {
    const c = buf[start + j]!;
    const folded = c >= 0x41 && c <= 0x5a ? c + 32 : c;
    if (folded !== lit[j]) return false;
  }
  return true;
}

/** authority-form for CONNECT: uri-host ":" port, port 1*5 DIGIT, no userinfo. */
function isAuthorityWithPort(buf: Buffer, start: number, end: number): boolean {
  let colon = -1;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (HOST[c] !== 1) return false;
    if (c === 0x3a) colon = i;
  }
  if (colon <= start || end - colon - 1 < 1 || end - colon - 1 > 5) return false;
  for (let i = colon + 1; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

interface AbsoluteForm {
  readonly authorityStart: number;
  readonly authorityEnd: number;
  readonly pathStart: number;
  readonly pathEnd: number;
}

const HTTP_SCHEME = Buffer.from('http://', 'latin1');
const HTTPS_SCHEME = Buffer.from('https://', 'latin1');

/** absolute-form with an http or https scheme and a non-empty authority without userinfo. */
function absoluteForm(buf: Buffer, start: number, end: number): AbsoluteForm | undefined {
  let p: number;
  if (end - start > 7 && equalsIgnoringCase(buf, start, start + 7, HTTP_SCHEME)) p = start + 7;
  else if (end - start > 8 && equalsIgnoringCase(buf, start, start + 8, HTTPS_SCHEME)) p = start + 8;
  else return undefined;
  const authorityStart = p;
  while (p < end && buf[p] !== 0x2f && buf[p] !== 0x3f) {
    if (HOST[buf[p]!] !== 1) return undefined;
    p++;
  }
  if (p === authorityStart) return undefined;
  const authorityEnd = p;
  const pathStart = p;
  while (p < end && buf[p] !== 0x3f) p++;
  return { authorityStart, authorityEnd, pathStart, pathEnd: p };
}
