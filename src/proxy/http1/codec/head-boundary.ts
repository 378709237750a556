// Finding where a head ends, and refusing early what can never become a valid head.
import { CR, LF } from './char-classes.js';
import { HEAD_TOO_LARGE, INCOMPLETE, badRequest, type HeadError } from './parse-outcomes.js';

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

const BARE_LF = badRequest('bare LF line ending (CRLF required)');
const BARE_CR = badRequest('bare CR in head (CRLF required)');

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
  // Without this, a peer speaking LF-only HTTP would wait for a CRLFCRLF that never comes.
  let i = buf.indexOf(LF, start);
  while (i !== -1) {
    if (i === start || buf[i - 1] !== CR) return BARE_LF;
    i = buf.indexOf(LF, i + 1);
  }
  i = buf.indexOf(CR, start);
  while (i !== -1 && i + 1 < buf.length) {
    if (buf[i + 1] !== LF) return BARE_CR;
    i = buf.indexOf(CR, i + 1);
  }
  return INCOMPLETE;
}
