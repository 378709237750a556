// The HTTP/1.1 codec's public surface (CODEC-API.md). The engine imports only from here.
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
