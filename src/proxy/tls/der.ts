/**
 * The few DER (ASN.1 distinguished encoding) constructs a PKCS#10 request needs, written by hand so
 * that the sidecar does not load an X.509 library (CONVENTIONS: sidecar memory target). Pure: bytes in,
 * bytes out. Only definite lengths, as DER requires.
 */

/** The length octets of a DER value of `n` bytes. */
export function derLength(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`bad DER length ${n}`);
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A tag-length-value with the given tag byte around the concatenated contents. */
export function derTlv(tag: number, ...contents: readonly Uint8Array[]): Uint8Array {
  const body = concat(contents);
  return concat([Uint8Array.of(tag), derLength(body.length), body]);
}

export const derSequence = (...items: readonly Uint8Array[]): Uint8Array => derTlv(0x30, ...items);
export const derSet = (...items: readonly Uint8Array[]): Uint8Array => derTlv(0x31, ...items);

/** A small non-negative INTEGER. */
export function derSmallInteger(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7f) throw new RangeError(`derSmallInteger takes 0..127, not ${n}`);
  return Uint8Array.of(0x02, 0x01, n);
}

export function derBoolean(value: boolean): Uint8Array {
  return Uint8Array.of(0x01, 0x01, value ? 0xff : 0x00);
}

export const derOctetString = (content: Uint8Array): Uint8Array => derTlv(0x04, content);

/** A BIT STRING of whole bytes (no unused bits). */
export const derBitString = (content: Uint8Array): Uint8Array => derTlv(0x03, Uint8Array.of(0), content);

export const derUtf8String = (text: string): Uint8Array => derTlv(0x0c, new TextEncoder().encode(text));

/** An OBJECT IDENTIFIER from its dotted form (`1.2.840.10045.4.3.2`). */
export function derObjectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => {
    const n = Number(a);
    if (!/^\d+$/.test(a) || !Number.isSafeInteger(n)) throw new RangeError(`bad OID ${dotted}`);
    return n;
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || first > 2 || (first < 2 && second > 39)) throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return derTlv(0x06, Uint8Array.from(out));
}
