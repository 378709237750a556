// fast-check generators of HTTP/1.x request and response streams for differential fuzzing: mostly well-formed
// messages, plus the classic smuggling shapes and random byte mutations of either.
import fc from 'fast-check';

const caseVariant = (name: string): fc.Arbitrary<string> =>
  fc.constantFrom(name, name.toLowerCase(), name.toUpperCase(), name.replace(/-./g, (m) => m.toUpperCase()));

const sep = fc.oneof(
  { weight: 12, arbitrary: fc.constant(': ') },
  { weight: 3, arbitrary: fc.constant(':') },
  { weight: 1, arbitrary: fc.constantFrom(':  ', ':\t', ': \t', ' :', '\t:', ': ,') },
);

const trailingOws = fc.oneof({ weight: 10, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(' ', '\t', ' \t ', '\x0b', '\0') });

type Framing = 'none' | 'length' | 'chunked' | 'both' | 'two-lengths' | 'two-te';

export interface GeneratedRequest {
  readonly text: string;
}

const methodArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH') },
  { weight: 1, arbitrary: fc.constantFrom('CONNECT', 'PROPFIND', 'get', 'GE T', 'G\0T', 'FOO') },
);

const segment = fc.stringMatching(/^[a-zA-Z0-9._~%!$&'()*+,;=:@-]{0,6}$/);
const originArb = fc
  .tuple(fc.array(segment, { maxLength: 3 }), fc.option(fc.stringMatching(/^[a-z0-9=&/?%+-]{0,8}$/), { nil: undefined }))
  .map(([segs, q]) => '/' + segs.join('/') + (q === undefined ? '' : `?${q}`));
const targetArb = fc.oneof(
  { weight: 12, arbitrary: originArb },
  { weight: 1, arbitrary: fc.constantFrom('*', 'a.example:443', 'http://a.example/x?y', 'http://b.example/', 'HTTP://A.EXAMPLE', '/a b', '/a#f', 'x', '/\x7f', '/"<>\\^`{|}') },
);
const versionArb = fc.oneof(
  { weight: 10, arbitrary: fc.constant('HTTP/1.1') },
  { weight: 3, arbitrary: fc.constant('HTTP/1.0') },
  { weight: 1, arbitrary: fc.constantFrom('HTTP/2.0', 'HTTP/1.2', 'http/1.1', 'HTTP/1.1 ', 'HTTP/1', 'HTTP/01.1') },
);

const hostArb = fc.oneof(
  { weight: 20, arbitrary: fc.constant(['Host', 'a.example']) },
  { weight: 1, arbitrary: fc.constantFrom(['Host', ''], ['Host', 'a.example:8080'], ['Host', 'a b'], ['host', 'A.EXAMPLE'], ['Host', '[::1]:80'], ['Host', 'u@a']) },
);

const lengthText = (n: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constant(String(n)) },
    { weight: 1, arbitrary: fc.constantFrom(`0${n}`, `+${n}`, `-${n}`, ` ${n}`, `${n} `, `${n},${n}`, `${n}, ${n}`, `${n}.0`, `0x${n.toString(16)}`, '', `${n}\0`, `${n} ${n}`) },
  );

const teText = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom('chunked', 'Chunked', 'CHUNKED') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'chunked ', ' chunked', '\tchunked', 'chunked\t', 'gzip, chunked', 'chunked, gzip', 'chunked, chunked', 'xchunked', 'chunkedx',
      'identity', 'gzip', 'chunked;q=1', '"chunked"', 'chunk ed', 'chunked\x0b', ',chunked', 'chunked,', 'identity, chunked', 'cHuNkEd',
    ),
  },
);

const bodyBytes = fc.stringMatching(/^[a-z0-9\r\n]{0,24}$/);

const chunkArb = fc.record({
  data: fc.stringMatching(/^[a-zA-Z0-9\r\n]{1,20}$/),
  upper: fc.boolean(),
  zeros: fc.nat({ max: 2 }),
  ext: fc.oneof(
    { weight: 8, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.constantFrom(';a', ';a=b', ';a="x y"', ';a=b;c', '; a', ';a =b', ';a="\\"q"', ' ;a', ';', ';=b', ';a=', ';a=b c') },
  ),
  sizeJunk: fc.oneof(
    { weight: 20, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.constantFrom('0x', ' ', '+', '-', '\t', 'g', 'x') },
  ),
  sizeDelta: fc.oneof({ weight: 20, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }),
});

const chunkedBody = fc
  .record({
    chunks: fc.array(chunkArb, { maxLength: 3 }),
    lastZeros: fc.nat({ max: 3 }),
    lastExt: fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(';a=b', ';x') }),
    trailers: fc.oneof(
      { weight: 6, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('X-T: v\r\n', 'X-T: v\r\nY: w\r\n', ' X: v\r\n', 'X : v\r\n', 'X: \0\r\n', 'Content-Length: 5\r\n', 'X-T: v\n') },
    ),
  })
  .map(({ chunks, lastZeros, lastExt, trailers }) => {
    let s = '';
    for (const c of chunks) {
      let size = (c.data.length + c.sizeDelta).toString(16);
      if (c.upper) size = size.toUpperCase();
      s += `${c.sizeJunk}${'0'.repeat(c.zeros)}${size}${c.ext}\r\n${c.data}\r\n`;
    }
    return `${s}${'0'.repeat(lastZeros + 1)}${lastExt}\r\n${trailers}\r\n`;
  });

const extraHeaderArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/), fc.stringMatching(/^[ -~]{0,12}$/)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<[string, string]>(
      ['Connection', 'close'], ['Connection', 'keep-alive'], ['Connection', 'Keep-Alive, X-Drop'], ['Connection', 'upgrade'],
      ['Upgrade', 'websocket'], ['Expect', '100-continue'], ['Expect', 'other'], ['X-Drop', '1'], ['Content_Length', '3'],
      ['Transfer_Encoding', 'chunked'], ['X-Bin', 'caf\xe9'], ['X-Ctl', 'a\x01b'], ['X-Del', 'a\x7f'], ['Proxy-Connection', 'keep-alive'],
    ),
  },
);

/** One request: head with chosen framing plus a body that may or may not match it. */
export const requestArb: fc.Arbitrary<string> = fc
  .record({
    method: methodArb,
    target: targetArb,
    version: versionArb,
    host: fc.oneof({ weight: 12, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom(0, 2) }),
    hostValue: hostArb,
    framing: fc.oneof(
      { weight: 8, arbitrary: fc.constant<Framing>('none') },
      { weight: 6, arbitrary: fc.constant<Framing>('length') },
      { weight: 6, arbitrary: fc.constant<Framing>('chunked') },
      { weight: 1, arbitrary: fc.constantFrom<Framing>('both', 'two-lengths', 'two-te') },
    ),
    clName: caseVariant('Content-Length'),
    teName: caseVariant('Transfer-Encoding'),
    sep,
    ows: trailingOws,
    lengthBody: bodyBytes,
    lengthMismatch: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }) }),
    lengthValue: fc.nat({ max: 40 }).chain((n) => lengthText(n).map((t) => [n, t] as const)),
    te: teText,
    chunked: chunkedBody,
    extra: fc.array(extraHeaderArb, { maxLength: 4 }),
    extraFirst: fc.boolean(),
  })
  .map((r) => {
    const lines: string[] = [];
    const extra = r.extra.map(([n, v]) => `${n}: ${v}`);
    if (r.extraFirst) lines.push(...extra);
    for (let i = 0; i < r.host; i++) lines.push(`${r.hostValue[0]}: ${r.hostValue[1]}`);
    let body = '';
    const cl = (): void => {
      // Either the exact body length (as text variants) or a mismatched one.
      const len = Math.max(0, r.lengthBody.length + r.lengthMismatch);
      const text = r.lengthValue[1].replace(String(r.lengthValue[0]), String(len));
      lines.push(`${r.clName}${r.sep}${text}${r.ows}`);
    };
    switch (r.framing) {
      case 'none':
        break;
      case 'length':
        cl();
        body = r.lengthBody;
        break;
      case 'chunked':
        lines.push(`${r.teName}${r.sep}${r.te}${r.ows}`);
        body = r.chunked;
        break;
      case 'both':
        lines.push(`${r.teName}${r.sep}${r.te}`);
        cl();
        body = r.chunked;
        break;
      case 'two-lengths':
        cl();
        cl();
        body = r.lengthBody;
        break;
      case 'two-te':
        lines.push(`${r.teName}${r.sep}${r.te}`, `${r.teName}${r.sep}chunked`);
        body = r.chunked;
        break;
    }
    if (!r.extraFirst) lines.push(...extra);
    return `${r.method} ${r.target} ${r.version}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n${body}`;
  });

const interestingBytes = [0x20, 0x09, 0x0d, 0x0a, 0x00, 0x2c, 0x3a, 0x3b, 0x30, 0x61, 0x0b, 0x7f, 0xff, 0x22, 0x3d, 0x2d, 0x2b, 0x78];

const mutationArb = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('insert', 'delete', 'replace'),
  byte: fc.constantFrom(...interestingBytes),
});

/** A connection's worth of bytes: 1–3 pipelined requests, sometimes mutated, sometimes with LF-only line ends. */
export const requestStreamArb: fc.Arbitrary<Buffer> = fc
  .record({
    requests: fc.array(requestArb, { minLength: 1, maxLength: 3 }),
    mutations: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) }),
    lfOnly: fc.oneof({ weight: 20, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    leadingCrlf: fc.oneof({ weight: 20, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('\r\n', '\n', '\r\n\r\n', ' ') }),
  })
  .map(({ requests, mutations, lfOnly, leadingCrlf }) => {
    let text = leadingCrlf + requests.join('');
    if (lfOnly) text = text.replace(/\r\n/g, '\n');
    const bytes = [...Buffer.from(text, 'latin1')];
    for (const m of mutations) {
      const at = bytes.length === 0 ? 0 : m.at % bytes.length;
      if (m.op === 'insert') bytes.splice(at, 0, m.byte);
      else if (m.op === 'delete') bytes.splice(at, 1);
      else bytes[at] = m.byte;
    }
    return Buffer.from(bytes);
  });

const statusArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(200, 201, 404, 500) },
  { weight: 3, arbitrary: fc.constantFrom(100, 103, 204, 304, 302) },
);

/** One response (with the method of the request it answers): framing chosen like requestArb's. */
export const responseArb: fc.Arbitrary<{ readonly method: string; readonly text: string }> = fc
  .record({
    method: fc.oneof({ weight: 8, arbitrary: fc.constant('GET') }, { weight: 2, arbitrary: fc.constant('HEAD') }),
    status: statusArb,
    version: fc.oneof({ weight: 10, arbitrary: fc.constant('HTTP/1.1') }, { weight: 2, arbitrary: fc.constant('HTTP/1.0') }),
    reason: fc.constantFrom(' OK', ' Not Found', '', ' ', ' A\tB'),
    framing: fc.oneof(
      { weight: 8, arbitrary: fc.constant<Framing>('length') },
      { weight: 6, arbitrary: fc.constant<Framing>('chunked') },
      { weight: 1, arbitrary: fc.constantFrom<Framing>('none', 'both', 'two-lengths', 'two-te') },
    ),
    clName: caseVariant('Content-Length'),
    teName: caseVariant('Transfer-Encoding'),
    sep,
    lengthBody: bodyBytes,
    lengthMismatch: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }) }),
    lengthValue: fc.nat({ max: 40 }).chain((n) => lengthText(n).map((t) => [n, t] as const)),
    te: teText,
    chunked: chunkedBody,
    extra: fc.array(extraHeaderArb, { maxLength: 3 }),
  })
  .map((r) => {
    const lines = r.extra.map(([n, v]) => `${n}: ${v}`);
    const len = Math.max(0, r.lengthBody.length + r.lengthMismatch);
    const cl = `${r.clName}${r.sep}${r.lengthValue[1].replace(String(r.lengthValue[0]), String(len))}`;
    const te = `${r.teName}${r.sep}${r.te}`;
    let body = '';
    switch (r.framing) {
      case 'length':
        lines.push(cl);
        body = r.lengthBody;
        break;
      case 'chunked':
        lines.push(te);
        body = r.chunked;
        break;
      case 'both':
        lines.push(te, cl);
        body = r.chunked;
        break;
      case 'two-lengths':
        lines.push(cl, cl);
        body = r.lengthBody;
        break;
      case 'two-te':
        lines.push(te, `${r.teName}: chunked`);
        body = r.chunked;
        break;
      case 'none':
        body = r.lengthBody;
        break;
    }
    // A bodiless answer carries no body bytes even when its head mentions a length.
    if (r.method === 'HEAD' || r.status < 200 || r.status === 204 || r.status === 304) body = '';
    const text = `${r.version} ${r.status}${r.reason}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n${body}`;
    return { method: r.method, text };
  });

/** An upstream connection's bytes: 1–3 responses in order, sometimes mutated; the methods they answer. */
export const responseStreamArb: fc.Arbitrary<{ readonly methods: string[]; readonly stream: Buffer }> = fc
  .record({
    responses: fc.array(responseArb, { minLength: 1, maxLength: 3 }),
    mutations: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) }),
  })
  .map(({ responses, mutations }) => {
    const bytes = [...Buffer.from(responses.map((r) => r.text).join(''), 'latin1')];
    for (const m of mutations) {
      const at = bytes.length === 0 ? 0 : m.at % bytes.length;
      if (m.op === 'insert') bytes.splice(at, 0, m.byte);
      else if (m.op === 'delete') bytes.splice(at, 1);
      else bytes[at] = m.byte;
    }
    // 1xx responses answer no request by themselves: the method list is per final response.
    const methods = responses.filter((r) => !/^HTTP\/1\.[01] 1/.test(r.text)).map((r) => r.method);
    return { methods, stream: Buffer.from(bytes) };
  });
