// Node's own HTTP/1 parser (llhttp, through the internal `_http_common` binding node:http uses) as a test
// oracle: feeds bytes exactly as a node:http server would and reports every message it sees.
import { createRequire } from 'node:module';

export interface OracleMessage {
  readonly method: string;
  readonly url: string;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** [name as sent, value] pairs. */
  readonly headers: Array<[string, string]>;
  readonly body: Buffer[];
  readonly upgrade: boolean;
  readonly keepAlive: boolean;
  complete: boolean;
  /** Status code and reason (responses). */
  readonly statusCode: number;
}

export interface OracleOutcome {
  readonly messages: OracleMessage[];
  /** llhttp's error code (HPE_*) when it refused the stream. */
  readonly error: string | undefined;
  /** Bytes llhttp consumed before stopping (for an upgrade: up to the end of the upgrade head). */
  readonly parsed: number;
}

interface HttpParserInstance {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [key: number]: unknown;
}

interface HttpParserClass {
  new (): HttpParserInstance;
  readonly REQUEST: number;
  readonly RESPONSE: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kLenientNone: number;
}

interface HttpCommon {
  readonly HTTPParser: HttpParserClass;
  readonly methods: readonly string[];
}

const require = createRequire(import.meta.url);
const common = require('_http_common') as HttpCommon;
const { HTTPParser, methods } = common;

/** The methods llhttp knows (it refuses any other). */
export const llhttpMethods: ReadonlySet<string> = new Set(methods);

function pairs(flat: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), String(flat[i + 1])]);
  return out;
}

/**
 * Parses `data` as one connection's bytes with llhttp in strict (non-lenient) mode, the way node:http's
 * server (type 'request') or client (type 'response', with the methods of the requests sent) does.
 */
export function parseWithLlhttp(data: Buffer, type: 'request' | 'response', requestMethods: readonly string[] = []): OracleOutcome {
  const parser = new HTTPParser();
  parser.initialize(type === 'request' ? HTTPParser.REQUEST : HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone);
  const messages: OracleMessage[] = [];
  let pendingHeaders: Array<[string, string]> = [];
  let pendingUrl = '';
  let current: OracleMessage | undefined;
  let finalResponses = 0;
  parser[HTTPParser.kOnHeaders] = (headers: unknown, url: unknown) => {
    if (current !== undefined && !current.complete) return; // trailers
    pendingHeaders.push(...pairs(headers));
    if (typeof url === 'string') pendingUrl += url;
  };
  parser[HTTPParser.kOnHeadersComplete] = (
    versionMajor: number,
    versionMinor: number,
    headers: unknown,
    method: unknown,
    url: unknown,
    statusCode: unknown,
    _statusMessage: unknown,
    upgrade: unknown,
    shouldKeepAlive: unknown,
  ): number => {
    current = {
      method: typeof method === 'number' ? (methods[method] ?? '?') : '',
      url: pendingUrl + (typeof url === 'string' ? url : ''),
      versionMajor,
      versionMinor,
      headers: [...pendingHeaders, ...pairs(headers)],
      body: [],
      upgrade: upgrade === true,
      keepAlive: shouldKeepAlive === true,
      complete: false,
      statusCode: typeof statusCode === 'number' ? statusCode : 0,
    };
    pendingHeaders = [];
    pendingUrl = '';
    messages.push(current);
    // For responses, node:http's client returns 1 (no body) for HEAD and 2 (tunnel) for CONNECT 2xx.
    if (type === 'response' && current.statusCode >= 200) {
      const req = requestMethods[finalResponses++];
      if (req === 'HEAD') return 1;
      if (req === 'CONNECT' && current.statusCode < 300) return 2;
    }
    return 0;
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
    current?.body.push(Buffer.from(chunk));
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    if (current !== undefined) current.complete = true;
  };
  let error: string | undefined;
  let parsed = data.length;
  const r = parser.execute(data);
  if (r instanceof Error) {
    error = (r as Error & { code?: string }).code ?? 'error';
  } else {
    parsed = r;
    // At EOF a response may end (close-delimited body); an unfinished request is only incomplete.
    if (type === 'response' && r === data.length) {
      const f = parser.finish();
      if (f instanceof Error && (f as Error & { code?: string }).code !== 'HPE_INVALID_EOF_STATE') {
        error = (f as Error & { code?: string }).code ?? 'error';
      }
    }
  }
  parser.close();
  return { messages, error, parsed };
}
