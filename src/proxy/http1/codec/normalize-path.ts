// Path normalization for policy matching, like Istio's default (BASE) / Envoy's normalize_path: percent-
// encoded unreserved characters are decoded, other escapes get upper-case hex, and dot segments are removed
// (RFC 3986 §6.2.2 and §5.2.4). Without it a rule on /admin misses /./admin, /x/../admin and /%61dmin,
// which most applications serve as /admin. Slashes are not merged and %2F is not decoded (as in BASE).
import { HEX } from './char-classes.js';

function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

const UPPER_HEX = '0123456789ABCDEF';

/** Decodes %XX of unreserved characters, upper-cases the hex of the rest; undefined on a broken escape. */
function normalizeEscapes(path: string): string | undefined {
  let out = '';
  let from = 0;
  for (let i = path.indexOf('%'); i !== -1; i = path.indexOf('%', i + 3)) {
    const h = HEX[path.charCodeAt(i + 1) & 0xff]!;
    const l = HEX[path.charCodeAt(i + 2) & 0xff]!;
    if (h === 0 || l === 0 || path.charCodeAt(i + 1) > 0xff || path.charCodeAt(i + 2) > 0xff) return undefined;
    const v = (h - 1) * 16 + (l - 1);
    out += path.slice(from, i) + (isUnreserved(v) ? String.fromCharCode(v) : `%${UPPER_HEX[v >> 4]!}${UPPER_HEX[v & 15]!}`);
    from = i + 3;
  }
  return out + path.slice(from);
}

/** RFC 3986 §5.2.4 remove_dot_segments for an absolute path. */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  let trailingSlash = false;
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === '.' || s === '..') {
      if (s === '..') out.pop();
      trailingSlash = true;
    } else {
      out.push(s);
      trailingSlash = false;
    }
  }
  return `/${out.join('/')}${trailingSlash && out.length > 0 ? '/' : ''}`;
}

/**
 * The normalized form of a request path (RequestHead.path) for authorization and routing matches, or
 * undefined when it holds a malformed percent-escape (refuse the request). A path that needs no change is
 * returned as is, found with two searches and no allocation. Paths not starting with '/' ('' for
 * authority- and asterisk-form) are returned unchanged.
 */
export function normalizePath(path: string): string | undefined {
  if (path.charCodeAt(0) !== 0x2f) return path;
  const hasEscape = path.indexOf('%') !== -1;
  if (!hasEscape && path.indexOf('/.') === -1) return path;
  const decoded = hasEscape ? normalizeEscapes(path) : path;
  if (decoded === undefined) return undefined;
  return decoded.indexOf('/.') === -1 ? decoded : removeDotSegments(decoded);
}
