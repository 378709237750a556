/**
 * Encodes access-log entries as JSON lines straight into bytes, with no intermediate strings.
 *
 * The log writes one line per request; built as a JS string (a dozen concatenations) and then encoded,
 * a line cost ~1.6 KB of short-lived strings and the UTF-8 flattening of the rope, and measured under
 * load (wrk, two hops) the log took ~13 % of a hop's CPU per request, most of it that garbage and its
 * scavenges. Here each field goes into the caller's buffer as it is read: field names are constant
 * byte strings, numbers are written digit by digit, strings byte by byte while they are printable
 * ASCII with nothing to escape (the usual method, path, host, identity), and through `JSON.stringify`
 * only when they are not. The timestamp's first 20 bytes (up to the second) and the connection-level
 * run of fields (identities, addresses, upstream) are kept from the previous line and copied when they
 * repeat, as they do for every request of a connection.
 *
 * The output is exactly `JSON.stringify` of the same fields in the same order
 * (`access-log.property.test.ts` holds it to that).
 */
import type { AccessLogEntry } from './access-log-entry.js';

/** Writes `entry` as one JSON line (with its newline) at `pos`; returns the new end. */
export type AccessLogEncoder = (entry: AccessLogEntry, buf: Buffer, pos: number) => number;

/** Bytes the line of `e` can take at most: fixed parts plus six per UTF-16 unit of its strings (`\u00XX`). */
export function maxEncodedBytes(e: AccessLogEntry): number {
  return FIXED_BOUND + 6 * (len(e.method) + len(e.path) + len(e.authority) + peerUnits(e) + len(e.authzPolicy) + len(e.traceId) + len(e.error));
}

/** UTF-16 units in the connection-level run of fields (identities, addresses, upstream). */
function peerUnits(e: AccessLogEntry): number {
  return (
    len(e.sourcePrincipal) +
    len(e.sourceAddress) +
    len(e.destinationService) +
    len(e.destinationWorkload) +
    len(e.destinationNamespace) +
    len(e.destinationPrincipal) +
    len(e.upstreamAddress)
  );
}

// Field names, separators and up to six numbers of at most 24 characters each (`-1.2345678901234567e+308`).
const FIXED_BOUND = 1024;

function len(s: string | undefined): number {
  return s === undefined ? 0 : s.length;
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const K_TIME = ascii('{"time":"');
const K_TIME_END = ascii('",');
const K_DIRECTION = ascii('"direction":');
const K_PROTOCOL = ascii(',"protocol":');
const K_METHOD = ascii(',"method":');
const K_PATH = ascii(',"path":');
const K_AUTHORITY = ascii(',"authority":');
const K_STATUS = ascii(',"status":');
const K_GRPC_STATUS = ascii(',"grpc_status":');
const K_DURATION = ascii(',"duration_ms":');
const K_BYTES_IN = ascii(',"bytes_in":');
const K_BYTES_OUT = ascii(',"bytes_out":');
const K_SOURCE_PRINCIPAL = ascii(',"source_principal":');
const K_SOURCE_ADDRESS = ascii(',"source_address":');
const K_DESTINATION_SERVICE = ascii(',"destination_service":');
const K_DESTINATION_WORKLOAD = ascii(',"destination_workload":');
const K_DESTINATION_NAMESPACE = ascii(',"destination_namespace":');
const K_DESTINATION_PRINCIPAL = ascii(',"destination_principal":');
const K_UPSTREAM_ADDRESS = ascii(',"upstream_address":');
const K_AUTHZ = ascii(',"authz":');
const K_AUTHZ_POLICY = ascii(',"authz_policy":');
const K_TRACE_ID = ascii(',"trace_id":');
const K_ERROR = ascii(',"error":');
const K_NULL = ascii('null');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Copies `src` to `buf` at `pos`; these are short constants, so a loop beats a native call. */
function put(buf: Buffer, pos: number, src: Buffer): number {
  for (let i = 0; i < src.length; i++) buf[pos + i] = src[i] as number;
  return pos + src.length;
}

/** `s` as a JSON string. Printable ASCII without `"` or `\` is copied as it is; anything else goes through JSON.stringify. */
function putString(buf: Buffer, pos: number, s: string): number {
  buf[pos] = QUOTE;
  let p = pos + 1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return pos + buf.write(JSON.stringify(s), pos, 'utf8');
    buf[p++] = c;
  }
  buf[p] = QUOTE;
  return p + 1;
}

/** A non-negative safe integer, digit by digit. */
function putUint(buf: Buffer, pos: number, n: number): number {
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  let p = pos + digits - 1;
  let v = n;
  do {
    const q = Math.floor(v / 10);
    buf[p--] = 48 + (v - q * 10);
    v = q;
  } while (v > 0);
  return pos + digits;
}

/** A number as JSON.stringify writes it (`null` when not finite). */
function putNumber(buf: Buffer, pos: number, v: number): number {
  if (Number.isSafeInteger(v) && v >= 0) return putUint(buf, pos, v); // -0 too: both write `0`
  if (!Number.isFinite(v)) return put(buf, pos, K_NULL);
  return pos + buf.write(String(v), pos, 'latin1');
}

/**
 * `Math.round(ms * 1000) / 1000` as JSON.stringify writes it. For 0 ≤ m < 2^43 thousandths, the
 * shortest decimal that reads back as m / 1000 is m's digits with the point three places from the
 * right and trailing zeros dropped (doubles there are closer together than 0.001), so it is
 * written from the integer m; other values take the general path.
 */
function putMillis(buf: Buffer, pos: number, ms: number): number {
  const m = Math.round(ms * 1000);
  if (!(m >= 0 && m < 8796093022208)) return putNumber(buf, pos, m / 1000);
  const whole = Math.floor(m / 1000);
  let frac = m - whole * 1000;
  let p = putUint(buf, pos, whole);
  if (frac === 0) return p;
  buf[p++] = 0x2e;
  buf[p++] = 48 + Math.floor(frac / 100);
  frac %= 100;
  if (frac === 0) return p;
  buf[p++] = 48 + Math.floor(frac / 10);
  frac %= 10;
  if (frac === 0) return p;
  buf[p++] = 48 + frac;
  return p;
}

/** Within the range `Date` can represent (±8.64e15 ms); outside it `toISOString()` throws. */
function isDateValue(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}

/** Creates an encoder; each keeps its own caches (the current second, the last connection's fields). */
export function createAccessLogEncoder(): AccessLogEncoder {
  // `2026-11-22T02:38:55.` for the second in isoSecond.
  let isoSecond = Number.NaN;
  const isoPrefix = Buffer.alloc(20);
  // The connection-level run of fields of the last entry, encoded.
  let havePeers = false;
  let lastSp: string | undefined;
  let lastSa: string | undefined;
  let lastDs: string | undefined;
  let lastDw: string | undefined;
  let lastDn: string | undefined;
  let lastDp: string | undefined;
  let lastUa: string | undefined;
  let peers = Buffer.alloc(512);
  let peersLength = 0;

  const putTime = (buf: Buffer, pos: number, time: number): number => {
    const ms = Math.trunc(time); // as Date does (TimeClip truncates toward zero)
    const second = Math.floor(ms / 1000);
    if (second !== isoSecond) {
      const full = new Date(second * 1000).toISOString();
      // Years outside 0000–9999 give a longer form: write those exactly, without the cache.
      if (full.length !== 24) return pos + buf.write(new Date(ms).toISOString(), pos, 'latin1');
      isoSecond = second;
      isoPrefix.write(full, 0, 20, 'latin1');
    }
    let p = put(buf, pos, isoPrefix);
    const millis = ms - second * 1000;
    buf[p++] = 48 + Math.floor(millis / 100);
    buf[p++] = 48 + (Math.floor(millis / 10) % 10);
    buf[p++] = 48 + (millis % 10);
    buf[p++] = 0x5a; // Z
    return p;
  };

  const putOptional = (buf: Buffer, pos: number, key: Buffer, v: string | undefined): number => {
    if (v === undefined) return pos;
    return putString(buf, put(buf, pos, key), v);
  };

  const encodePeers = (e: AccessLogEntry): void => {
    const need = FIXED_BOUND + 6 * peerUnits(e);
    if (peers.length < need) peers = Buffer.alloc(need);
    let p = putOptional(peers, 0, K_SOURCE_PRINCIPAL, e.sourcePrincipal);
    p = putOptional(peers, p, K_SOURCE_ADDRESS, e.sourceAddress);
    p = putOptional(peers, p, K_DESTINATION_SERVICE, e.destinationService);
    p = putOptional(peers, p, K_DESTINATION_WORKLOAD, e.destinationWorkload);
    p = putOptional(peers, p, K_DESTINATION_NAMESPACE, e.destinationNamespace);
    p = putOptional(peers, p, K_DESTINATION_PRINCIPAL, e.destinationPrincipal);
    peersLength = putOptional(peers, p, K_UPSTREAM_ADDRESS, e.upstreamAddress);
  };

  return (e, buf, pos) => {
    let p = pos;
    if (isDateValue(e.startTime)) {
      p = put(buf, p, K_TIME);
      p = putTime(buf, p, e.startTime);
      p = put(buf, p, K_TIME_END);
    } else {
      buf[p++] = 0x7b; // {
    }
    p = putString(buf, put(buf, p, K_DIRECTION), e.direction);
    p = putString(buf, put(buf, p, K_PROTOCOL), e.protocol);
    p = putOptional(buf, p, K_METHOD, e.method);
    p = putOptional(buf, p, K_PATH, e.path);
    p = putOptional(buf, p, K_AUTHORITY, e.authority);
    if (e.status !== undefined) p = putNumber(buf, put(buf, p, K_STATUS), e.status);
    if (e.grpcStatus !== undefined) p = putNumber(buf, put(buf, p, K_GRPC_STATUS), e.grpcStatus);
    p = putMillis(buf, put(buf, p, K_DURATION), e.durationMs);
    p = putNumber(buf, put(buf, p, K_BYTES_IN), e.bytesIn);
    p = putNumber(buf, put(buf, p, K_BYTES_OUT), e.bytesOut);
    const sp = e.sourcePrincipal;
    const sa = e.sourceAddress;
    const ds = e.destinationService;
    const dw = e.destinationWorkload;
    const dn = e.destinationNamespace;
    const dp = e.destinationPrincipal;
    const ua = e.upstreamAddress;
    if (!havePeers || sp !== lastSp || sa !== lastSa || ds !== lastDs || dw !== lastDw || dn !== lastDn || dp !== lastDp || ua !== lastUa) {
      havePeers = true;
      lastSp = sp;
      lastSa = sa;
      lastDs = ds;
      lastDw = dw;
      lastDn = dn;
      lastDp = dp;
      lastUa = ua;
      encodePeers(e);
    }
    peers.copy(buf, p, 0, peersLength);
    p += peersLength;
    p = putOptional(buf, p, K_AUTHZ, e.authz);
    p = putOptional(buf, p, K_AUTHZ_POLICY, e.authzPolicy);
    p = putOptional(buf, p, K_TRACE_ID, e.traceId);
    p = putOptional(buf, p, K_ERROR, e.error);
    buf[p++] = 0x7d; // }
    buf[p++] = 0x0a; // \n
    return p;
  };
}
