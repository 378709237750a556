// The HTTP/1.1 codec's public surface (CODEC-API.md). The engine imports only from here.
//
// Strict by design: everything two HTTP/1 parsers could frame differently is refused (CL with TE, duplicate
// or malformed CL, any request TE but exactly `chunked`, TE in HTTP/1.0, obs-fold, whitespace before a
// colon, CTLs/NUL, bare CR or LF, a tab after a framing header's value, missing or duplicate Host, odd
// request lines, bad chunk sizes/extensions, framing headers in trailers, 1xx in HTTP/1.0). The differential
// fuzz tests (`*differential-fuzz.test.ts`) hold request and response parsing against Node's llhttp.
export {
  defaultHeadLimits,
  type BodyFraming,
  type ChunkedLimits,
  type ChunkedScanResult,
  type ChunkedScanner,
  type HeadEdits,
  type HeadErrorCode,
  type HeadLimits,
  type ParseResult,
  type RequestHead,
  type ResponseHead,
  type SimpleResponseOptions,
} from './types.js';
export { parseRequestHead } from './parse-request-head.js';
export { parseResponseHead } from './parse-response-head.js';
export { createChunkedScanner } from './chunked-scanner.js';
export { serializeRequestHead, serializeResponseHead } from './serialize-head.js';
export { simpleResponse } from './simple-response.js';
