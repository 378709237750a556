/** The HTTP/1.1 proxy engine (the codec is `./codec/index.js`). */
export { createHttp1Engine, defaultServerIdleTimeoutMs, type Http1Engine, type Http1EngineDeps } from './http1-engine.js';
export type { HttpAuthorizer, HttpAuthzDecision, HttpAuthzInput, InboundConnection, RequestRecorder } from './engine-types.js';
export { createHttpAuthorizer } from './http-authorizer.js';
export {
  createOutboundServiceRuntime,
  pickTarget,
  type OutboundServiceRuntime,
  type OutboundServiceRuntimeOptions,
} from './outbound-service-runtime.js';
