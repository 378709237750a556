// Header lines the proxy adds itself, checked so that no caller mistake becomes header injection.
import { FIELD_VALUE, TOKEN } from './char-classes.js';

/**
 * `name: value` CRLF for an added header. The caller promises valid headers; a broken promise here would
 * be header injection (a CR, LF or a code point above U+00FF, which latin1 encoding would truncate to a
 * CTL), so it is checked and thrown as the bug it is.
 */
export function checkedLine(name: string, value: string): string {
  if (name.length === 0) throw new Error('codec: empty header name in edits.add');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f || TOKEN[c] !== 1) throw new Error(`codec: invalid header name in edits.add: ${JSON.stringify(name)}`);
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] !== 1) throw new Error(`codec: invalid header value in edits.add for ${name}`);
  }
  return `${name}: ${value}\r\n`;
}

/** A reason phrase for a status line the proxy writes: HTAB, SP, VCHAR, obs-text only. */
export function checkedReason(reason: string): string {
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] !== 1) throw new Error(`codec: invalid reason phrase ${JSON.stringify(reason)}`);
  }
  return reason;
}
