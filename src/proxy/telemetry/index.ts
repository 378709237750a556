/** Access log and W3C trace context for the proxy. */
export {
  createAccessLog,
  createSystemFlushTimers,
  disabledAccessLog,
  formatAccessLogLine,
  createAccessLogFormatter,
  type AccessLog,
  type AccessLogEntry,
  type AccessLogOptions,
  type AccessLogProtocol,
  type AccessLogSink,
  type FlushTimers,
} from './access-log.js';
export { createTraceIds, formatTraceparent, parseTraceparent, traceIdOf, type TraceContext, type TraceIds } from './traceparent.js';
export { createCryptoRandomBytes, randomBytesFromRandom, type RandomBytes } from './random-bytes.js';
