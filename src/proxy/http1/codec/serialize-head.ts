// Head serialization for forwarding: the start line and the kept header lines are copied from the parsed
// bytes by range (never through a string of the head), added headers are written after them, and any
// body bytes already read go last, all into ONE buffer so the engine does one socket write per message.
import type { ParsedHead} from './parsed-head.js';
import { FIELD_STRIDE, ParsedRequestHead, ParsedResponseHead, hasPrefixIgnoringCase, sameNameIgnoringCase } from './parsed-head.js';
import { checkedLine } from './header-line.js';
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

/** The kept runs of the head being serialized, reused from call to call (start, end pairs). */
const keptRuns: number[] = [];

function serializeParsed(
  head: ParsedHead,
  upgrade: string | undefined,
  edits: HeadEdits,
  body: Buffer | undefined,
  startLine: string | undefined,
  host: string | undefined,
): Buffer {
  const { text, fields } = head;
  const removes = edits.remove.length === 0 ? undefined : edits.remove;
  const prefixes = edits.removePrefixes;
  const keepUpgrade = edits.keepUpgrade === true;
  const listed = head.connectionOptions ? connectionOptions(head) : undefined;

  // The kept lines as byte ranges of the head (adjacent lines merged, so typically one or two runs),
  // copied from the parsed bytes; then the added lines and the blank line. No string of the head is
  // built: the output is assembled in the one buffer that is written.
  const runs = keptRuns;
  runs.length = 0;
  let runStart = startLine === undefined ? 0 : head.startLineEnd;
  let runEnd = head.startLineEnd;
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
    if (!drop && listed !== undefined) drop = isListedIn(text, ns, ne, listed);
    if (drop) continue;
    const lineStart = i === 0 ? head.startLineEnd : fields[i - 1]!;
    if (lineStart !== runEnd) {
      runs.push(runStart, runEnd);
      runStart = lineStart;
    }
    runEnd = fields[i + 4]!;
  }
  runs.push(runStart, runEnd);
  let tail = '';
  if (host !== undefined) tail += `host: ${host}\r\n`;
  for (const [name, value] of edits.add) tail += checkedLine(name, value);
  if (keepUpgrade && upgrade !== undefined && !hasConnectionHeader(edits.add)) tail += 'connection: upgrade\r\n';
  tail += '\r\n';

  let total = tail.length + (startLine === undefined ? 0 : startLine.length) + (body === undefined ? 0 : body.length);
  for (let i = 0; i < runs.length; i += 2) total += runs[i + 1]! - runs[i]!;
  const out = Buffer.allocUnsafe(total);
  let o = startLine === undefined ? 0 : out.write(startLine, 0, 'latin1');
  const source = head.source;
  const base = head.start;
  for (let i = 0; i < runs.length; i += 2) o += source.copy(out, o, base + runs[i]!, base + runs[i + 1]!);
  o += out.write(tail, o, 'latin1');
  if (body !== undefined && body.length > 0) body.copy(out, o);
  return out;
}

/** Fallback for heads the codec did not parse: rebuilt from their fields. */
function serializeGeneric(
  startLine: string,
  head: RequestHead | ResponseHead,
  edits: HeadEdits,
  body: Buffer | undefined,
): Buffer {
  const listed = new Set<string>();
  for (const [name, value] of head.headers()) {
    if (name !== 'connection') continue;
    for (const part of value.split(',')) {
      const t = part.trim().toLowerCase();
      if (t !== '' && !PROTECTED.includes(t)) listed.add(t);
    }
  }
  let s = startLine + CRLF;
  for (const [name, value] of head.headers()) {
    if (ALWAYS_DROPPED.includes(name) || listed.has(name) || edits.remove.includes(name)) continue;
    if (name === 'upgrade' && edits.keepUpgrade !== true) continue;
    if (edits.removePrefixes?.some((p) => name.startsWith(p)) === true) continue;
    s += `${name}: ${value}${CRLF}`;
  }
  for (const [name, value] of edits.add) s += checkedLine(name, value);
  if (edits.keepUpgrade === true && head.upgrade !== undefined && !hasConnectionHeader(edits.add)) s += `connection: upgrade${CRLF}`;
  s += CRLF;
  const headBuf = Buffer.from(s, 'latin1');
  return body === undefined ? headBuf : Buffer.concat([headBuf, body]);
}

/**
 * The edited request head (+ optional body bytes already read) in ONE buffer, ready for one socket write.
 * Hop-by-hop headers are dropped (see HeadEdits); with keepUpgrade, Upgrade is kept and `connection: upgrade`
 * is sent unless `add` carries a Connection header. The request line is forwarded as received, except that
 * an absolute-form target is rewritten to origin-form (with `host: <authority>` when the request had no Host),
 * and that `target`, when given and different from the received one, replaces it (the inbound path sends
 * the normalized target that authorization matched). The caller vouches for `target`: request-target
 * characters only, no space, CR or LF.
 */
export function serializeRequestHead(head: RequestHead, edits: HeadEdits, body?: Buffer, target?: string): Buffer {
  const replaced = target !== undefined && target !== head.target ? target : undefined;
  if (head instanceof ParsedRequestHead) {
    // An absolute-form target goes upstream in origin-form (RFC 9112 §3.2.1), with its authority as Host.
    const sent = replaced ?? head.originForm;
    const line = sent === undefined ? undefined : `${head.method} ${sent} HTTP/1.${head.versionMinor}\r\n`;
    return serializeParsed(head, head.upgrade, edits, body, line, head.missingHost);
  }
  return serializeGeneric(`${head.method} ${replaced ?? head.target} HTTP/1.${head.versionMinor}`, head, edits, body);
}

/** The edited response head (+ optional body bytes already read) in ONE buffer. The status line is forwarded as received. */
export function serializeResponseHead(head: ResponseHead, edits: HeadEdits, body?: Buffer): Buffer {
  if (head instanceof ParsedResponseHead) return serializeParsed(head, head.upgrade, edits, body, undefined, undefined);
  return serializeGeneric(`HTTP/1.${head.versionMinor} ${head.status} ${head.reason}`, head, edits, body);
}
