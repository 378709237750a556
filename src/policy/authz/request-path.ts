/**
 * The path that authorization matches: the request target without its query string and fragment,
 * normalized the way Istio's default (`BASE`, RFC 3986) does, so that `/a/../admin`, `/./admin` or
 * `/%61dmin` cannot slip past a rule on `/admin`. The proxy forwards the same normalized path to the
 * application (`normalizeRequestTarget`), so that what was authorized is what the application serves:
 * an application that resolved `/public/..%2F` or `/./admin` its own way could otherwise serve a path
 * no rule was asked about.
 */

/**
 * The path for matching. Returns the input itself (no allocation) when it holds no query, no
 * fragment, no `%`, no `\` and no dot segment, which is the common case.
 */
export function normalizeRequestPath(target: string): string {
  let end = target.length;
  let needsWork = false;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
    if (c === 37 /* % */ || c === 92 /* \ */) needsWork = true;
    else if (c === 46 /* . */ && i > 0 && target.charCodeAt(i - 1) === 47 /* / */) needsWork = true;
  }
  const path = end === target.length ? target : target.slice(0, end);
  return needsWork ? slowNormalize(path) : path;
}

/**
 * The request target to forward: an origin-form target (`/path?query`) with its path normalized as
 * for matching and its query kept as received (a fragment, which has no place in a request, is
 * dropped). Any other form (`*`, absolute- or authority-form) is returned as it is. Returns the input
 * itself when nothing changes, which is the common case. The result holds only characters of the
 * input, `/`, and the unreserved characters that percent-decoding yields, so it is as safe in a
 * request line as the input was.
 */
export function normalizeRequestTarget(target: string): string {
  if (target.charCodeAt(0) !== 47 /* / */) return target;
  let end = target.length;
  let hash = target.length;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 63 /* ? */ && end === target.length) end = i;
    else if (c === 35 /* # */) {
      hash = i;
      if (end === target.length) end = i;
      break;
    }
  }
  const raw = target.slice(0, end);
  const path = normalizeRequestPath(raw);
  if (path === raw && hash === target.length) return target;
  return path + target.slice(end, hash);
}

function isUnreserved(c: number): boolean {
  return (
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 126
  );
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function slowNormalize(path: string): string {
  // 1. Decode percent-encoded unreserved characters; upper-case the hex of the others.
  let decoded = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 && i + 2 < path.length && hex(path.charCodeAt(i + 1)) >= 0 && hex(path.charCodeAt(i + 2)) >= 0) {
      const v = hex(path.charCodeAt(i + 1)) * 16 + hex(path.charCodeAt(i + 2));
      decoded += isUnreserved(v) ? String.fromCharCode(v) : path.slice(i, i + 3).toUpperCase();
      i += 2;
    } else if (c === 92) {
      decoded += '/';
    } else {
      decoded += path[i];
    }
  }
  // 2. Remove dot segments (RFC 3986 §5.2.4).
  const out: string[] = [];
  const segments = decoded.split('/');
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string;
    const last = i === segments.length - 1;
    if (seg === '.') {
      if (last) out.push('');
    } else if (seg === '..') {
      if (out.length > 1) out.pop();
      if (last) out.push('');
    } else {
      out.push(seg);
    }
  }
  const joined = out.join('/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}
