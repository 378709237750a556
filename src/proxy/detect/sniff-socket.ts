/**
 * Reads the first bytes of a client-first connection to pick a protocol, with a short timeout so that
 * server-first protocols (MySQL, SMTP, …), which send nothing until the server greets them, fall back
 * to opaque TCP instead of hanging.
 */
import type { Socket } from 'node:net';
import { detectProtocol, type DetectedProtocol } from './detect-protocol.js';

/** Longest prefix we buffer while deciding; more than this is opaque TCP. */
const MAX_SNIFF = 64;

/**
 * Calls `done` once with the protocol and the bytes read so far (the socket is left paused, nothing is
 * lost: the bytes are handed over, not unshifted). If the socket closes first, `done` is not called.
 */
export function sniffSocket(socket: Socket, timeoutMs: number, done: (protocol: DetectedProtocol, initial: Buffer) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  let finished = false;
  const finish = (p: DetectedProtocol): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
    done(p, buf);
  };
  const onData = (chunk: Buffer): void => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const r = detectProtocol(buf);
    if (r !== 'need-more') finish(r);
    else if (buf.length >= MAX_SNIFF) finish('tcp');
  };
  const onClose = (): void => {
    finished = true;
    clearTimeout(timer);
    socket.off('data', onData);
  };
  const timer = setTimeout(() => finish('tcp'), timeoutMs);
  socket.on('data', onData);
  socket.once('close', onClose);
}
