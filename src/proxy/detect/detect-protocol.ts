/**
 * Protocol detection from the first bytes a client sends. Pure: the caller feeds what it has read and
 * decides what to do on a timeout (server-first protocols send nothing: fall back to opaque TCP).
 */
export type DetectedProtocol = 'http1' | 'h2' | 'tls' | 'tcp';
export type DetectResult = DetectedProtocol | 'need-more';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** Longest HTTP method token we wait for before giving up on HTTP/1 (`PROPPATCH`, `MKCALENDAR`, …). */
const MAX_METHOD = 20;

function isTokenUpper(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f;
}

/** Classifies `buf` (all bytes read so far). `need-more` means: read on (or time out). */
export function detectProtocol(buf: Buffer): DetectResult {
  if (buf.length === 0) return 'need-more';
  const first = buf[0]!;
  if (first === 0x16) {
    if (buf.length < 2) return 'need-more';
    return buf[1] === 0x03 ? 'tls' : 'tcp';
  }
  // HTTP/2 prior knowledge: the connection preface (its first bytes also look like the method "PRI").
  const n = Math.min(buf.length, PREFACE.length);
  if (buf.compare(PREFACE, 0, n, 0, n) === 0) return n === PREFACE.length ? 'h2' : 'need-more';
  // HTTP/1: a method token of upper-case letters followed by one space.
  const limit = Math.min(buf.length, MAX_METHOD + 1);
  for (let i = 0; i < limit; i++) {
    const c = buf[i]!;
    if (c === 0x20) return i > 0 ? 'http1' : 'tcp';
    if (!isTokenUpper(c)) return 'tcp';
  }
  return buf.length > MAX_METHOD ? 'tcp' : 'need-more';
}

/** True when `buf` starts with a TLS handshake record (a ClientHello, for a server). */
export function looksLikeTls(buf: Buffer): boolean {
  return buf.length > 0 && buf[0] === 0x16;
}
