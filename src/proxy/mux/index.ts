export { MUX_ALPN } from './mux-frame.js';
export { MuxSession, type MuxSessionOptions } from './mux-session.js';
export { isRefusedStream, MuxStream } from './mux-stream.js';
