// Probes a server-side hop over TLS with a chosen client certificate (or none) and one HTTP/1.1 GET:
// proves that mTLS refuses what it must and that authorization answers 403 where it should.
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';

export type ProbeOutcome =
  | { readonly kind: 'refused'; readonly reason: string }
  /** `tls`: the negotiated protocol, cipher and ALPN, e.g. `TLSv1.3 TLS_AES_256_GCM_SHA384`. */
  | { readonly kind: 'http'; readonly status: number; readonly tls: string };

export interface ProbeOptions {
  readonly port: number;
  readonly caFile: string;
  readonly servername: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly alpn?: readonly string[];
  readonly path?: string;
  readonly timeoutMs?: number;
}

/**
 * Connects to 127.0.0.1:port, sends `GET path` and reports the status line, or `refused` when the
 * handshake fails or the server closes without an answer (TLS 1.3 reports a rejected client
 * certificate only after the client's handshake is done, so the first read is where it shows).
 */
export function probeTls(o: ProbeOptions): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let data = '';
    const done = (v: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const socket = connect({
      host: '127.0.0.1',
      port: o.port,
      servername: o.servername,
      ca: readFileSync(o.caFile),
      ...(o.certFile ? { cert: readFileSync(o.certFile) } : {}),
      ...(o.keyFile ? { key: readFileSync(o.keyFile) } : {}),
      ...(o.alpn ? { ALPNProtocols: [...o.alpn] } : {}),
      minVersion: 'TLSv1.3',
    });
    const timer = setTimeout(() => done({ kind: 'refused', reason: 'no answer within the time bound' }), o.timeoutMs ?? 5000);
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => {
      socket.write(`GET ${o.path ?? '/'} HTTP/1.1\r\nHost: ${o.servername}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (d: string) => {
      data += d;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      if (m) {
        const alpn = socket.alpnProtocol;
        const tls = `${socket.getProtocol() ?? '?'} ${socket.getCipher().standardName}${typeof alpn === 'string' ? ` ALPN ${alpn}` : ''}`;
        done({ kind: 'http', status: Number(m[1]), tls });
      }
    });
    socket.on('error', (e: Error) => done({ kind: 'refused', reason: e.message }));
    socket.on('close', () => done({ kind: 'refused', reason: data.length > 0 ? `closed after ${JSON.stringify(data.slice(0, 40))}` : 'closed without an answer' }));
  });
}

/** Short human form of a probe outcome, for the report's check list. */
export function describeProbe(p: ProbeOutcome): string {
  return p.kind === 'http' ? `HTTP ${p.status}` : `refused (${p.reason})`;
}
