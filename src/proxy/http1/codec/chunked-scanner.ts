// Byte-exact chunked-body scanner (RFC 9112 §7.1). It never copies or decodes: it tells the engine how
// many bytes of the buffer belong to the body so they can be forwarded verbatim, and where the body ends,
// so keep-alive reuse and pipelining stay safe. Chunk data is skipped in bulk.
import { COLON, CR, FIELD_VALUE, HEX, HTAB, LF, QDTEXT, SP, TOKEN } from './char-classes.js';
import type { ChunkedLimits, ChunkedScanResult, ChunkedScanner } from './types.js';

const enum S {
  SizeStart,
  Size,
  ExtNameStart,
  ExtName,
  ExtValueStart,
  ExtToken,
  ExtQuoted,
  ExtQuotedEscape,
  ExtAfterQuoted,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerName,
  TrailerValue,
  TrailerLf,
  FinalLf,
  Done,
  Failed,
}

const MAX_SIZE_DIGITS = 16;
// Sizes above this cannot be represented exactly; no real body is 8 PiB.
const MAX_SIZE = Number.MAX_SAFE_INTEGER;

/** Trailer fields that would change framing or routing if a recipient merged them into the head (RFC 9110 §6.5.1). */
const FORBIDDEN_TRAILERS = ['content-length', 'transfer-encoding', 'host', 'connection', 'upgrade', 'expect', 'te', 'trailer'].map((n) =>
  Buffer.from(n, 'latin1'),
);
const MAX_FORBIDDEN_NAME = 17;

class Scanner implements ChunkedScanner {
  private state = S.SizeStart;
  private size = 0;
  private digits = 0;
  private remaining = 0;
  private headerBytes = 0;
  private trailerBytes = 0;
  private failure: { readonly error: string } | undefined;
  private readonly maxChunkHeaderBytes: number;
  private readonly maxTrailerBytes: number;

  /** The current trailer name, lower-cased, while it is short enough to be a forbidden one. */
  private readonly name = new Uint8Array(MAX_FORBIDDEN_NAME + 1);
  private nameLen = 0;

  private noteNameByte(c: number): void {
    if (this.nameLen <= MAX_FORBIDDEN_NAME) this.name[this.nameLen++] = c >= 0x41 && c <= 0x5a ? c + 32 : c;
  }

  private isForbiddenTrailer(): boolean {
    const n = this.nameLen;
    outer: for (const f of FORBIDDEN_TRAILERS) {
      if (f.length !== n) continue;
      for (let j = 0; j < n; j++) if (this.name[j] !== f[j]) continue outer;
      return true;
    }
    return false;
  }

  constructor(limits: ChunkedLimits) {
    this.maxChunkHeaderBytes = limits.maxChunkHeaderBytes ?? 4096;
    this.maxTrailerBytes = limits.maxTrailerBytes ?? 16384;
  }

  reset(): void {
    this.state = S.SizeStart;
    this.size = 0;
    this.digits = 0;
    this.remaining = 0;
    this.headerBytes = 0;
    this.trailerBytes = 0;
    this.failure = undefined;
  }

  private fail(error: string): { readonly error: string } {
    this.state = S.Failed;
    this.failure = { error };
    return this.failure;
  }

  scan(buf: Buffer, offset: number, end: number): ChunkedScanResult {
    let i = offset;
    let state = this.state;
    if (state === S.Done) return { consumed: 0, done: true };
    if (state === S.Failed) return this.failure ?? this.fail('chunked body already failed');
    while (i < end) {
      if (state === S.Data) {
        const n = Math.min(this.remaining, end - i);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) state = S.DataCr;
        continue;
      }
      const c = buf[i]!;
      i++;
      if (state >= S.SizeStart && state <= S.SizeLf && ++this.headerBytes > this.maxChunkHeaderBytes) {
        this.state = state;
        return this.fail('chunk size line too long');
      }
      if (state >= S.TrailerStart && state <= S.FinalLf && ++this.trailerBytes > this.maxTrailerBytes) {
        this.state = state;
        return this.fail('trailer section too large');
      }
      switch (state) {
        case S.SizeStart:
        case S.Size: {
          const h = HEX[c]!;
          if (h !== 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return this.fail('chunk size has too many digits');
            if (this.size > (MAX_SIZE - (h - 1)) / 16) return this.fail('chunk size overflows');
            this.size = this.size * 16 + (h - 1);
            state = S.Size;
          } else if (state === S.SizeStart) {
            return this.fail('chunk size is not a hex number');
          } else if (c === 0x3b) {
            state = S.ExtNameStart;
          } else if (c === CR) {
            state = S.SizeLf;
          } else {
            return this.fail('invalid character after chunk size');
          }
          break;
        }
        case S.ExtNameStart:
          if (TOKEN[c] !== 1) return this.fail('invalid chunk extension');
          state = S.ExtName;
          break;
        case S.ExtName:
          if (TOKEN[c] === 1) break;
          if (c === 0x3d) state = S.ExtValueStart;
          else if (c === 0x3b) state = S.ExtNameStart;
          else if (c === CR) state = S.SizeLf;
          else return this.fail('invalid chunk extension');
          break;
        case S.ExtValueStart:
          if (c === 0x22) state = S.ExtQuoted;
          else if (TOKEN[c] === 1) state = S.ExtToken;
          else return this.fail('invalid chunk extension value');
          break;
        case S.ExtToken:
          if (TOKEN[c] === 1) break;
          if (c === 0x3b) state = S.ExtNameStart;
          else if (c === CR) state = S.SizeLf;
          else return this.fail('invalid chunk extension value');
          break;
        case S.ExtQuoted:
          if (c === 0x22) state = S.ExtAfterQuoted;
          else if (c === 0x5c) state = S.ExtQuotedEscape;
          else if (QDTEXT[c] !== 1) return this.fail('invalid chunk extension value');
          break;
        case S.ExtQuotedEscape:
          if (c !== HTAB && (c < 0x20 || c === 0x7f)) return this.fail('invalid chunk extension value');
          state = S.ExtQuoted;
          break;
        case S.ExtAfterQuoted:
          if (c === 0x3b) state = S.ExtNameStart;
          else if (c === CR) state = S.SizeLf;
          else return this.fail('invalid chunk extension');
          break;
        case S.SizeLf:
          if (c !== LF) return this.fail('chunk size line not ended by CRLF');
          this.headerBytes = 0;
          this.digits = 0;
          if (this.size === 0) {
            state = S.TrailerStart;
          } else {
            this.remaining = this.size;
            this.size = 0;
            state = S.Data;
          }
          break;
        case S.DataCr:
          if (c !== CR) return this.fail('chunk data not followed by CRLF');
          state = S.DataLf;
          break;
        case S.DataLf:
          if (c !== LF) return this.fail('chunk data not followed by CRLF');
          state = S.SizeStart;
          break;
        case S.TrailerStart:
          if (c === CR) state = S.FinalLf;
          else if (TOKEN[c] === 1) {
            state = S.TrailerName;
            this.nameLen = 0;
            this.noteNameByte(c);
          } else return this.fail(c === SP || c === HTAB ? 'obsolete line folding in trailer' : 'invalid trailer field');
          break;
        case S.TrailerName:
          if (TOKEN[c] === 1) {
            this.noteNameByte(c);
            break;
          }
          if (c !== COLON) return this.fail('invalid trailer field name');
          if (this.isForbiddenTrailer()) return this.fail('framing or routing header in trailer');
          state = S.TrailerValue;
          break;
        case S.TrailerValue:
          if (c === CR) state = S.TrailerLf;
          else if (FIELD_VALUE[c] !== 1) return this.fail('control character in trailer value');
          break;
        case S.TrailerLf:
          if (c !== LF) return this.fail('trailer line not ended by CRLF');
          state = S.TrailerStart;
          break;
        case S.FinalLf:
          if (c !== LF) return this.fail('chunked body not ended by CRLF');
          this.state = S.Done;
          return { consumed: i - offset, done: true };
      }
    }
    this.state = state;
    return { consumed: i - offset, done: false };
  }
}

/** A scanner for one chunked body at a time; `reset()` before the next body. */
export function createChunkedScanner(limits?: ChunkedLimits): ChunkedScanner {
  return new Scanner(limits ?? {});
}
