// Strict response-head parser. Framing follows RFC 9112 §6.3 and depends on the request's method;
// anything that could make us and the client disagree about where a response ends is refused.
import { CR, FIELD_VALUE, LF, SP } from './char-classes.js';
import { FieldBlock, scanFieldBlock, scanTransferCodings } from './field-block.js';
import { endsWithBlankLine, findHeadEnd } from './head-boundary.js';
import { FRAMING_CHUNKED, FRAMING_CLOSE, FRAMING_NONE, HEAD_TOO_LARGE, TOO_MANY_HEADERS, badRequest, blockError, lengthFraming } from './parse-outcomes.js';
import { ParsedResponseHead } from './parsed-head.js';
import type { BodyFraming, HeadLimits, ParseResult, ResponseHead } from './types.js';

const E = {
  version: badRequest('unsupported HTTP version in status line'),
  statusLine: badRequest('malformed status line'),
  status: badRequest('invalid status code'),
  reason: badRequest('control character in reason phrase'),
  clAndTe: badRequest('both Content-Length and Transfer-Encoding'),
  manyTe: badRequest('more than one Transfer-Encoding header'),
  te: badRequest('malformed Transfer-Encoding'),
  te10: badRequest('Transfer-Encoding in an HTTP/1.0 response'),
  manyUpgrade: badRequest('more than one Upgrade header'),
  interim10: badRequest('1xx response in HTTP/1.0'),
  interimClose: badRequest('Connection: close on a 1xx response'),
} as const;

/**
 * Parses one response head starting at buf[offset]; `requestMethod` is the method of the request it
 * answers (HEAD and CONNECT change the framing). A 1xx head is complete on its own: the caller forwards it
 * and parses the next head. Errors use WEFT_PROXY_BAD_REQUEST (the engine answers 502 for upstream ones).
 */
export function parseResponseHead(buf: Buffer, offset: number, requestMethod: string, limits: HeadLimits): ParseResult<ResponseHead> {
  const start = offset;
  if (!endsWithBlankLine(buf, offset, start, limits.maxHeadBytes)) {
    const blank = findHeadEnd(buf, offset, start, limits.maxHeadBytes);
    if (typeof blank !== 'number') return blank;
  }

  // Status line: HTTP-version SP 3DIGIT SP reason CRLF (the SP before an empty reason may be missing).
  let p = start;
  if (
    buf[p] !== 0x48 || buf[p + 1] !== 0x54 || buf[p + 2] !== 0x54 || buf[p + 3] !== 0x50 ||
    buf[p + 4] !== 0x2f || buf[p + 5] !== 0x31 || buf[p + 6] !== 0x2e
  ) {
    return E.version;
  }
  const minorByte = buf[p + 7];
  if (minorByte !== 0x30 && minorByte !== 0x31) return E.version;
  const versionMinor: 0 | 1 = minorByte === 0x31 ? 1 : 0;
  if (buf[p + 8] !== SP) return E.statusLine;
  p += 9;
  const d0 = buf[p]! - 0x30;
  const d1 = buf[p + 1]! - 0x30;
  const d2 = buf[p + 2]! - 0x30;
  if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return E.status;
  const status = d0 * 100 + d1 * 10 + d2;
  if (status < 200 && versionMinor === 0) return E.interim10; // HTTP/1.0 has no interim responses
  p += 3;
  let reasonStart = p;
  if (buf[p] === SP) {
    reasonStart = ++p;
    for (;;) {
      const c = buf[p]!;
      if (c === CR) break;
      if (FIELD_VALUE[c] !== 1) return E.reason;
      p++;
    }
  } else if (buf[p] !== CR) {
    return E.status;
  }
  const reasonEnd = p;
  if (buf[p + 1] !== LF) return E.statusLine;
  const lineEnd = p + 2;

  const block = new FieldBlock();
  const end = scanFieldBlock(buf, start, lineEnd, limits.maxHeaders, block);
  if (end < 0) return block.tooMany ? TOO_MANY_HEADERS : blockError(block.error ?? 'malformed header');
  if (end - offset > limits.maxHeadBytes) return HEAD_TOO_LARGE;
  if (block.upgradeCount > 1) return E.manyUpgrade;
  // Other parsers end the connection after an interim response that says close; we would read on.
  if (status < 200 && status !== 101 && block.connectionClose) return E.interimClose;

  if (block.transferEncodingCount > 0 && block.contentLengthCount > 0) return E.clAndTe;
  if (block.transferEncodingCount > 1) return E.manyTe;
  // 1: chunked last; 0: codings without chunked (the body runs to close); -1: no Transfer-Encoding.
  let codings = -1;
  if (block.transferEncodingCount === 1) {
    if (versionMinor === 0) return E.te10;
    codings = scanTransferCodings(buf, block.teStart, block.teEnd);
    if (codings < 0) return E.te;
  }

  let framing: BodyFraming;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) {
    framing = FRAMING_NONE;
  } else if (requestMethod === 'CONNECT' && status < 300) {
    framing = FRAMING_CLOSE; // a tunnel: bytes flow both ways until either side closes
  } else if (codings >= 0) {
    framing = codings === 1 ? FRAMING_CHUNKED : FRAMING_CLOSE;
  } else if (block.contentLengthCount === 1) {
    framing = lengthFraming(block.contentLength);
  } else {
    framing = FRAMING_CLOSE;
  }

  const text = buf.toString('latin1', start, end);
  // A non-chunked Transfer-Encoding means close-delimited to other parsers even where the body is empty.
  const keepAlive =
    framing !== FRAMING_CLOSE && codings !== 0 && (versionMinor === 1 ? !block.connectionClose : block.connectionKeepAlive && !block.connectionClose);
  const upgrade =
    status === 101 && block.upgradeCount === 1 && block.upgradeEnd > block.upgradeStart
      ? text.slice(block.upgradeStart - start, block.upgradeEnd - start)
      : undefined;
  const head = new ParsedResponseHead(
    buf,
    start,
    end,
    text,
    lineEnd - start,
    block.fields,
    block.connectionOther,
    status,
    text.slice(reasonStart - start, reasonEnd - start),
    versionMinor,
    framing,
    keepAlive,
    upgrade,
  );
  return { state: 'complete', head, length: end - offset };
}
