// Small complete responses the proxy writes itself (errors, denials): one buffer, one write.
import type { SimpleResponseOptions } from './types.js';

/** A complete response: status line, Content-Type text/plain, Content-Length, optional Connection: close, body (UTF-8). */
export function simpleResponse(status: number, reason: string, body: string, opts?: SimpleResponseOptions): Buffer {
  const bodyBytes = Buffer.byteLength(body, 'utf8');
  let head = `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${bodyBytes}\r\n`;
  if (opts?.close === true) head += 'connection: close\r\n';
  if (opts?.extraHeaders !== undefined) for (const [name, value] of opts.extraHeaders) head += `${name}: ${value}\r\n`;
  head += '\r\n';
  const headBytes = head.length;
  const out = Buffer.allocUnsafe(headBytes + bodyBytes);
  out.write(head, 0, 'latin1');
  out.write(body, headBytes, 'utf8');
  return out;
}
