// Head serialization for forwarding: the start line and the kept header lines are copied from the parsed
// bytes by range, added headers are written after them, and any body bytes already read go last, all
// into ONE buffer so the engine does one socket write per message.
import type { ParsedHead} from './parsed-head.js';
import { FIELD_STRIDE, ParsedRequestHead, ParsedResponseHead, hasPrefixIgnoringCase, sameNameIgnoringCase } from './parsed-head.js';
import type { HeadEdits, RequestHead, ResponseHead } from './types.js';

const CRLF = '\r\n';

/** Hop-by-hop headers dropped on every forward. */
const ALWAYS_DROPPED = ['connection', 'keep-alive', 'proxy-connection', 'te'];

/** Never dropped because a Connection header lists them: they frame the message or name its target. */
const PROTECTED = ['host', 'content-length', 'transfer-encoding'];

function isListedIn(text: string, start: number, end: number, names: readonly string[]): boolean {
  for (const n of names) if (sameNameIgnoringCase(text, start, end, n)) return true;
  return false;
}

/** Lower-case connection-options other than close / keep-alive / upgrade, from every Connection header. */
function connectionOptions(head: ParsedHead): string[] {
  const out: string[] = [];
  const f = head.fields;
  for (let i = 0; i < f.length; i += FIELD_STRIDE) {
    if (!sameNameIgnoringCase(head.text, f[i]!, f[i + 1]!, 'connection')) continue;
    for (const part of head.text.slice(f[i + 2], f[i + 3]).split(',')) {
      const token = part.trim().toLowerCase();
      if (token !== '' && token !== 'close' && token !== 'keep-alive' && token !== 'upgrade' && !PROTECTED.includes(token)) out.push(token);
    }
  }
  return out;
}

function hasConnectionHeader(add: ReadonlyArray<readonly [string, string]>): boolean {
  for (const [name] of add) if (name.toLowerCase() === 'connection') return true;
  return false;
}

function serializeParsed(head: ParsedHead, upgrade: string | undefined, edits: HeadEdits, body: Buffer | undefined): Buffer {
  const { raw, text, fields } = head;
  const removes = edits.remove.size === 0 ? undefined : [...edits.remove];
  const prefixes = edits.removePrefixes;
  const keepUpgrade = edits.keepUpgrade === true;
  let listed: string[] | undefined;

  // Kept byte ranges of raw, merged when adjacent: typically one or two ranges.
  const ranges: number[] = [0, head.startLineEnd];
  for (let i = 0; i < fields.length; i += FIELD_STRIDE) {
    const ns = fields[i]!;
    const ne = fields[i + 1]!;
    let drop = isListedIn(text, ns, ne, ALWAYS_DROPPED) || (!keepUpgrade && sameNameIgnoringCase(text, ns, ne, 'upgrade'));
    if (!drop && removes !== undefined) drop = isListedIn(text, ns, ne, removes);
    if (!drop && prefixes !== undefined) {
      for (const p of prefixes) {
        if (hasPrefixIgnoringCase(text, ns, ne, p)) {
          drop = true;
          break;
        }
      }
    }
    if (!drop) {
      listed ??= connectionOptions(head);
      if (listed.length > 0) drop = isListedIn(text, ns, ne, listed);
    }
    if (drop) continue;
    const lineStart = i === 0 ? head.startLineEnd : fields[i - 1]!;
    const lineEnd = fields[i + 4]!;
    if (ranges[ranges.length - 1] === lineStart) ranges[ranges.length - 1] = lineEnd;
    else ranges.push(lineStart, lineEnd);
  }

  let addConnectionUpgrade = keepUpgrade && upgrade !== undefined && !hasConnectionHeader(edits.add);
  let size = 2 + (body === undefined ? 0 : body.length) + (addConnectionUpgrade ? 21 : 0);
  for (let r = 0; r < ranges.length; r += 2) size += ranges[r + 1]! - ranges[r]!;
  for (const [name, value] of edits.add) size += name.length + value.length + 4;

  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (let r = 0; r < ranges.length; r += 2) o += raw.copy(out, o, ranges[r], ranges[r + 1]);
  for (const [name, value] of edits.add) {
    o += out.write(name, o, 'latin1');
    out[o++] = 0x3a;
    out[o++] = 0x20;
    o += out.write(value, o, 'latin1');
    out[o++] = 0x0d;
    out[o++] = 0x0a;
  }
  if (addConnectionUpgrade) {
    o += out.write('connection: upgrade\r\n', o, 'latin1');
    addConnectionUpgrade = false;
  }
  out[o++] = 0x0d;
  out[o++] = 0x0a;
  if (body !== undefined) o += body.copy(out, o);
  return o === size ? out : out.subarray(0, o);
}

/** Fallback for heads the codec did not parse: rebuilt from their fields. */
function serializeGeneric(
  startLine: string,
  head: RequestHead | ResponseHead,
  edits: HeadEdits,
  body: Buffer | undefined,
): Buffer {
  const connection = head.header('connection');
  const listed = new Set<string>();
  if (connection !== undefined) {
    for (const part of connection.split(',')) {
      const t = part.trim().toLowerCase();
      if (t !== '' && !PROTECTED.includes(t)) listed.add(t);
    }
  }
  let s = startLine + CRLF;
  for (const [name, value] of head.headers()) {
    if (ALWAYS_DROPPED.includes(name) || listed.has(name) || edits.remove.has(name)) continue;
    if (name === 'upgrade' && edits.keepUpgrade !== true) continue;
    if (edits.removePrefixes?.some((p) => name.startsWith(p)) === true) continue;
    s += `${name}: ${value}${CRLF}`;
  }
  for (const [name, value] of edits.add) s += `${name}: ${value}${CRLF}`;
  if (edits.keepUpgrade === true && head.upgrade !== undefined && !hasConnectionHeader(edits.add)) s += `connection: upgrade${CRLF}`;
  s += CRLF;
  const headBuf = Buffer.from(s, 'latin1');
  return body === undefined ? headBuf : Buffer.concat([headBuf, body]);
}

/**
 * The edited request head (+ optional body bytes already read) in ONE buffer, ready for one socket write.
 * Hop-by-hop headers are dropped (see HeadEdits); with keepUpgrade, Upgrade is kept and `connection: upgrade`
 * is sent unless `add` carries a Connection header. The request line is forwarded as received.
 */
export function serializeRequestHead(head: RequestHead, edits: HeadEdits, body?: Buffer): Buffer {
  if (head instanceof ParsedRequestHead) return serializeParsed(head, head.upgrade, edits, body);
  return serializeGeneric(`${head.method} ${head.target} HTTP/1.${head.versionMinor}`, head, edits, body);
}

/** The edited response head (+ optional body bytes already read) in ONE buffer. The status line is forwarded as received. */
export function serializeResponseHead(head: ResponseHead, edits: HeadEdits, body?: Buffer): Buffer {
  if (head instanceof ParsedResponseHead) return serializeParsed(head, head.upgrade, edits, body);
  return serializeGeneric(`HTTP/1.${head.versionMinor} ${head.status} ${head.reason}`, head, edits, body);
}
