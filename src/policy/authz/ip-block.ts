/**
 * IP addresses and CIDR blocks for `ipBlocks` and `source.ip`. Every address is held as 128 bits
 * (four 32-bit words); IPv4 `a.b.c.d` is the IPv4-mapped `::ffff:a.b.c.d`, so a socket that reports
 * `::ffff:10.0.0.1` matches the block `10.0.0.0/8`. Parsing works on char codes, without regex.
 */

/** A set of CIDR blocks: for each block four address words then four mask words. */
export interface IpBlockSet {
  readonly words: Uint32Array;
  readonly count: number;
}

/** Parses an address into `out` (4 words). Returns false when it is not an IPv4 or IPv6 address. */
export function parseIpInto(text: string, out: Uint32Array): boolean {
  let end = text.length;
  const zone = text.indexOf('%');
  if (zone !== -1) end = zone;
  if (text.indexOf(':') === -1) {
    const v4 = parseIpv4(text, 0, end);
    if (v4 < 0) return false;
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = v4;
    return true;
  }
  return parseIpv6(text, end, out);
}

/** Returns the IPv4 address as an unsigned 32-bit number, or -1. */
function parseIpv4(s: string, start: number, end: number): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (octets < 4) {
    let n = 0;
    let digits = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      digits++;
      i++;
      if (digits > 3) return -1;
    }
    if (digits === 0 || n > 255) return -1;
    value = value * 256 + n;
    octets++;
    if (octets < 4) {
      if (i >= end || s.charCodeAt(i) !== 46) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseIpv6(s: string, end: number, out: Uint32Array): boolean {
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
    if (i === end) return finishV6(groups, count, gap, out);
  }
  while (i < end) {
    if (count >= 8) return false;
    // An embedded IPv4 address takes the last two groups.
    let j = i;
    let sawDot = false;
    while (j < end && s.charCodeAt(j) !== 58) {
      if (s.charCodeAt(j) === 46) sawDot = true;
      j++;
    }
    if (sawDot) {
      if (j !== end || count > 6) return false;
      const v4 = parseIpv4(s, i, end);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (j - i === 0 || j - i > 4) return false;
    let g = 0;
    for (let k = i; k < j; k++) {
      const h = hexValue(s.charCodeAt(k));
      if (h < 0) return false;
      g = g * 16 + h;
    }
    groups[count++] = g;
    i = j;
    if (i < end) {
      // at a ':'
      i++;
      if (i < end && s.charCodeAt(i) === 58) {
        if (gap !== -1) return false;
        gap = count;
        i++;
      } else if (i === end) {
        return false;
      }
    }
  }
  return finishV6(groups, count, gap, out);
}

function finishV6(groups: number[], count: number, gap: number, out: Uint32Array): boolean {
  let full: number[];
  if (gap === -1) {
    if (count !== 8) return false;
    full = groups;
  } else {
    if (count > 7) return false;
    full = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let k = 0; k < gap; k++) full[k] = groups[k] ?? 0;
    const tail = count - gap;
    for (let k = 0; k < tail; k++) full[8 - tail + k] = groups[gap + k] ?? 0;
  }
  for (let w = 0; w < 4; w++) out[w] = (((full[2 * w] ?? 0) << 16) | (full[2 * w + 1] ?? 0)) >>> 0;
  return true;
}

/** Compiles `10.0.0.0/8`, `10.1.2.3`, `fd00::/8`; returns the index of the first bad block instead of throwing. */
export function compileIpBlocks(blocks: readonly string[]): { readonly set: IpBlockSet } | { readonly bad: number } {
  const words = new Uint32Array(blocks.length * 8);
  const addr = new Uint32Array(4);
  for (let b = 0; b < blocks.length; b++) {
    const text = blocks[b] ?? '';
    const slash = text.indexOf('/');
    const ipText = slash === -1 ? text : text.slice(0, slash);
    if (!parseIpInto(ipText, addr)) return { bad: b };
    const isV4 = ipText.indexOf(':') === -1;
    let bits = isV4 ? 32 : 128;
    if (slash !== -1) {
      const lenText = text.slice(slash + 1);
      if (lenText.length === 0 || lenText.length > 3) return { bad: b };
      let n = 0;
      for (let k = 0; k < lenText.length; k++) {
        const c = lenText.charCodeAt(k);
        if (c < 48 || c > 57) return { bad: b };
        n = n * 10 + (c - 48);
      }
      if (n > bits) return { bad: b };
      bits = n;
    }
    const prefix = isV4 ? 96 + bits : bits;
    for (let w = 0; w < 4; w++) {
      const used = Math.max(0, Math.min(32, prefix - w * 32));
      const mask = used === 0 ? 0 : used === 32 ? 0xffffffff : (0xffffffff << (32 - used)) >>> 0;
      words[b * 8 + 4 + w] = mask;
      words[b * 8 + w] = ((addr[w] ?? 0) & mask) >>> 0;
    }
  }
  return { set: Object.freeze({ words, count: blocks.length }) };
}

/** True when the parsed address (4 words) lies in one of the blocks. */
export function ipInBlocks(set: IpBlockSet, addr: Uint32Array): boolean {
  const w = set.words;
  for (let b = 0; b < set.count; b++) {
    const o = b * 8;
    if (
      (((addr[0] as number) & (w[o + 4] as number)) >>> 0) === w[o] &&
      (((addr[1] as number) & (w[o + 5] as number)) >>> 0) === w[o + 1] &&
      (((addr[2] as number) & (w[o + 6] as number)) >>> 0) === w[o + 2] &&
      (((addr[3] as number) & (w[o + 7] as number)) >>> 0) === w[o + 3]
    ) {
      return true;
    }
  }
  return false;
}
