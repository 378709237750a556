/**
 * Semantic checks named by a schema node's `x-weft-check` keyword: what JSON Schema cannot say
 * (a regular expression compiles, exactly one filter field is set, an address is a CIDR). Each takes
 * the node's value (already of the right shape, or the check says nothing) and returns problems
 * relative to that node. The keyword is stripped from CRDs.
 */
import { isIP } from 'node:net';
import { isRecord } from '../core/is-record.js';

export interface FieldProblem {
  /** Path below the checked node (`value`, `[0]`), or "" for the node itself. */
  readonly field: string;
  readonly message: string;
  readonly severity?: 'error' | 'warning';
}

export type FieldCheck = (value: unknown) => readonly FieldProblem[];

const none: readonly FieldProblem[] = [];

function regexProblem(source: unknown, field: string): readonly FieldProblem[] {
  if (typeof source !== 'string') return none;
  try {
    new RegExp(source, 'u');
    return none;
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : 'invalid';
    return [{ field, message: `${JSON.stringify(source)} is not a valid regular expression (${reason})` }];
  }
}

const filterFields: Readonly<Record<string, string>> = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  ExtensionRef: 'extensionRef',
};

function cidrProblem(value: unknown): readonly FieldProblem[] {
  if (typeof value !== 'string') return none;
  const [address, bits, extra] = value.split('/');
  const family = isIP(address ?? '');
  const max = family === 4 ? 32 : 128;
  const bitsOk = bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) <= max);
  if (family === 0 || !bitsOk || extra !== undefined) return [{ field: '', message: `${JSON.stringify(value)} is not an IP address or CIDR block` }];
  return none;
}

/** The table of named checks. A name missing here is a bug in a schema; the validator refuses to start. */
export const fieldChecks: Readonly<Record<string, FieldCheck>> = {
  'regex-match': (v) => (isRecord(v) && v['type'] === 'RegularExpression' ? regexProblem(v['value'], 'value') : none),
  'path-match': (v) => {
    if (!isRecord(v)) return none;
    const value = v['value'];
    if (v['type'] === 'RegularExpression') return regexProblem(value, 'value');
    if (typeof value === 'string' && !value.startsWith('/')) return [{ field: 'value', message: `${JSON.stringify(value)} must start with "/"` }];
    if (typeof value === 'string' && v['type'] === 'PathPrefix' && value.length > 1 && value.endsWith('/')) {
      return [{ field: 'value', message: 'a path prefix should not end with "/" (prefixes match whole path segments)', severity: 'warning' }];
    }
    return none;
  },
  'grpc-method-match': (v) => {
    if (!isRecord(v)) return none;
    if (v['service'] === undefined && v['method'] === undefined) return [{ field: '', message: 'needs at least one of service and method' }];
    return v['type'] === 'RegularExpression' ? [...regexProblem(v['service'], 'service'), ...regexProblem(v['method'], 'method')] : none;
  },
  'filter-type': (v) => {
    if (!isRecord(v) || typeof v['type'] !== 'string') return none;
    const wanted = filterFields[v['type']];
    const out: FieldProblem[] = [];
    if (wanted !== undefined && v[wanted] === undefined) out.push({ field: wanted, message: `required for a filter of type ${v['type']}` });
    for (const field of Object.values(filterFields)) {
      if (field !== wanted && v[field] !== undefined) out.push({ field, message: `must not be set for a filter of type ${v['type']}` });
    }
    return out;
  },
  'path-modifier': (v) => {
    if (!isRecord(v)) return none;
    const want = v['type'] === 'ReplaceFullPath' ? 'replaceFullPath' : v['type'] === 'ReplacePrefixMatch' ? 'replacePrefixMatch' : undefined;
    const other = want === 'replaceFullPath' ? 'replacePrefixMatch' : 'replaceFullPath';
    if (want === undefined) return none;
    const out: FieldProblem[] = [];
    if (v[want] === undefined) out.push({ field: want, message: `required when type is ${String(v['type'])}` });
    if (v[other] !== undefined) out.push({ field: other, message: `must not be set when type is ${String(v['type'])}` });
    return out;
  },
  'backend-port': (v) => {
    if (!isRecord(v)) return none;
    const isService = (v['group'] ?? '') === '' && (v['kind'] ?? 'Service') === 'Service';
    return isService && v['port'] === undefined ? [{ field: 'port', message: 'required when the backend is a Service' }] : none;
  },
  'one-probe': (v) => {
    if (!isRecord(v)) return none;
    const set = ['httpGet', 'tcpSocket', 'exec'].filter((k) => v[k] !== undefined);
    return set.length === 1 ? none : [{ field: '', message: set.length === 0 ? 'needs one of httpGet, tcpSocket and exec' : `sets ${set.join(' and ')}; only one may be set` }];
  },
  'rate-limit-key': (v) => {
    if (!isRecord(v)) return none;
    if (v['key'] === 'header' && v['header'] === undefined) return [{ field: 'header', message: 'required when key is "header"' }];
    if (v['key'] !== 'header' && v['header'] !== undefined) return [{ field: 'header', message: 'only used when key is "header"', severity: 'warning' }];
    if (typeof v['burst'] === 'number' && typeof v['requests'] === 'number' && v['burst'] < v['requests']) {
      return [{ field: 'burst', message: 'is smaller than requests, so the full rate can never be reached', severity: 'warning' }];
    }
    return none;
  },
  'abort-status': (v) => {
    if (!isRecord(v)) return none;
    return v['httpStatus'] === undefined && v['grpcStatus'] === undefined ? [{ field: '', message: 'needs httpStatus or grpcStatus' }] : none;
  },
  'delay-or-abort': (v) => (isRecord(v) && v['delay'] === undefined && v['abort'] === undefined ? [{ field: '', message: 'needs delay or abort (or both)' }] : none),
  'http-url': (v) => {
    if (typeof v !== 'string') return none;
    let ok = false;
    try {
      const url = new URL(v);
      ok = (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      ok = false;
    }
    return ok ? none : [{ field: '', message: `${JSON.stringify(v)} is not an http:// or https:// URL` }];
  },
  cidr: cidrProblem,
  unsupported: (v) => (v === undefined ? none : [{ field: '', message: 'is not supported by Weft (no request authentication yet); remove it' }]),
};
