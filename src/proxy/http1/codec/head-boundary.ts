// Finding where a head ends, and refusing early what can never become a valid head.
import { CR, LF } from './char-classes.js';
import { HEAD_TOO_LARGE, INCOMPLETE, badRequest, type HeadError } from './parse-outcomes.js';

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const LFLF = Buffer.from('\n\n', 'latin1');

const BARE_LF = badRequest('bare LF line ending (CRLF required)');
const BARE_CR = badRequest('bare CR in head (CRLF required)');

/**
 * Whether the head starting at `start` is known to be complete without searching: the buffer ends in
 * CRLFCRLF (the usual case of a bodiless request read in one go) and is within the size limit, so a
 * single pass over the head is bounded and cannot run off the end.
 */
export function endsWithBlankLine(buf: Buffer, offset: number, start: number, maxHeadBytes: number): boolean {
  const n = buf.length;
  return (
    n - start >= 4 && n - offset <= maxHeadBytes &&
    buf[n - 1] === LF && buf[n - 2] === CR && buf[n - 3] === LF && buf[n - 4] === CR
  );
}

/**
 * The index of the blank line's CRLF pair that ends the head starting at `start` (the index of the first
 * CR of CRLFCRLF), or a refusal / INCOMPLETE when there is none yet. `offset` is where the caller's head
 * began (leading empty lines count against maxHeadBytes).
 */
export function findHeadEnd(
  buf: Buffer,
  offset: number,
  start: number,
  maxHeadBytes: number,
): number | HeadError | typeof INCOMPLETE {
  const end = buf.indexOf(CRLFCRLF, start);
  if (end !== -1) return end + 4 - offset > maxHeadBytes ? HEAD_TOO_LARGE : end;
  if (buf.length - offset > maxHeadBytes) return HEAD_TOO_LARGE;
  // Without this, a peer speaking LF-only HTTP would wait for a CRLFCRLF that never comes. A constant
  // number of searches (the first line end, an LF-only blank line, the first CR) keeps a head that
  // trickles in from costing more per read than one pass; the full check runs once the head is complete.
  const firstLf = buf.indexOf(LF, start);
  if (firstLf !== -1 && (firstLf === start || buf[firstLf - 1] !== CR)) return BARE_LF;
  if (firstLf !== -1 && buf.indexOf(LFLF, firstLf) !== -1) return BARE_LF;
  const firstCr = buf.indexOf(CR, start);
  if (firstCr !== -1 && firstCr + 1 < buf.length && buf[firstCr + 1] !== LF) return BARE_CR;
  return INCOMPLETE;
}
