/**
 * `node:http2`, loaded on first use. Loading it costs a sidecar ~1.7 MB of RSS (1.3 MB of it
 * anonymous, so releasing start-up pages does not give it back), which a proxy that carries only
 * HTTP/1.1 and TCP never needs: the HTTP/2 path calls `loadHttp2()` when it first serves or opens a
 * session, and so does the control-stream client when it first connects. Only `import type` of
 * `node:http2` elsewhere in the sidecar; the few protocol numbers the forwarder uses are below.
 */
import type * as Http2 from 'node:http2';
import { createRequire } from 'node:module';

// createRequire, not process.getBuiltinModule: that one exists only from Node 20.16, and Weft runs on every Node 20.
const requireBuiltin = createRequire(import.meta.url);

/** The `node:http2` module (Node caches it: the first call loads it, later ones are a lookup). */
export function loadHttp2(): typeof Http2 {
  return requireBuiltin('node:http2') as typeof Http2;
}

/** The END_STREAM frame flag (RFC 9113 §6.1). */
export const H2_FLAG_END_STREAM = 0x1;
/** Error codes of RST_STREAM and GOAWAY (RFC 9113 §7). */
export const H2_NO_ERROR = 0x0;
export const H2_INTERNAL_ERROR = 0x2;
export const H2_CANCEL = 0x8;
