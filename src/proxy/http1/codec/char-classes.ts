// Byte classification tables for the codec's scanners (built once at load; indexing a Uint8Array by a
// byte is the cheapest test V8 offers, and it keeps regular expressions off the per-request path).

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;
export const COLON = 58;

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** tchar (RFC 9110 §5.6.2): method names, header names, chunk extension names and token values. */
export const TOKEN = table((c) => isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/** field-vchar / SP / HTAB / obs-text: what a header value may hold. CTLs (NUL, CR, LF, DEL, …) may not. */
export const FIELD_VALUE = table((c) => c === HTAB || (c >= 0x20 && c !== 0x7f));

/** Visible ASCII a request-target may hold: no space, no CTL, no obs-text, no '#' (fragments are never sent). */
export const TARGET = table((c) => c > 0x20 && c < 0x7f && c !== 0x23);

/** Characters of uri-host [":" port] (unreserved, sub-delims, pct-encoded, IP-literal brackets, ':'). */
export const HOST = table((c) => isAlpha(c) || isDigit(c) || "-._~!$&'()*+,;=%:[]".includes(String.fromCharCode(c)));

/** qdtext of a quoted-string (RFC 9110 §5.6.4), without the backslash. */
export const QDTEXT = table((c) => c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80);

/** Hex digit value + 1 (0 = not a hex digit). */
export const HEX = table(() => false);
for (let c = 0; c < 256; c++) {
  if (isDigit(c)) HEX[c] = c - 0x30 + 1;
  else if (c >= 0x41 && c <= 0x46) HEX[c] = c - 0x41 + 11;
  else if (c >= 0x61 && c <= 0x66) HEX[c] = c - 0x61 + 11;
}
