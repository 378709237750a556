// Small complete responses the proxy writes itself (errors, denials): one buffer, one write.
import { checkedLine, checkedReason } from './header-line.js';
import type { SimpleResponseOptions } from './types.js';

/** A complete response (throws on an invalid status, reason or extra header: those are bugs): status line, Content-Type text/plain, Content-Length, optional Connection: close, body (UTF-8). */
export function simpleResponse(status: number, reason: string, body: string, opts?: SimpleResponseOptions): Buffer {
  const bodyBytes = Buffer.byteLength(body, 'utf8');
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`codec: invalid status ${status}`);
  let head = `HTTP/1.1 ${status} ${checkedReason(reason)}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${bodyBytes}\r\n`;
  if (opts?.close === true) head += 'connection: close\r\n';
  if (opts?.extraHeaders !== undefined) for (const [name, value] of opts.extraHeaders) head += checkedLine(name, value);
  head += '\r\n';
  const headBytes = head.length;
  const out = Buffer.allocUnsafe(headBytes + bodyBytes);
  out.write(head, 0, 'latin1');
  out.write(body, headBytes, 'utf8');
  return out;
}
