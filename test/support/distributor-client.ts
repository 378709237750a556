// A test proxy for the distributor: one HTTP/2 stream over mTLS, JSON lines each way.
import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { ControlMessage, ProxyMessage } from '../../src/control/distributor/stream-messages.js';
import { subscribePath } from '../../src/control/distributor/stream-messages.js';
import { baseMismatchReason } from '../../src/proxy/control-stream/stream-protocol.js';
import { applySnapshotPatch } from '../../src/proxy/control-stream/apply-snapshot-patch.js';
import type { ProxySnapshot } from '../../src/proxy/snapshot/proxy-snapshot.js';

export interface TestProxyClient {
  /** Every snapshot the client was on, in order: full ones as received, patches applied to the one before. */
  readonly snapshots: ProxySnapshot[];
  readonly errors: Extract<ControlMessage, { type: 'error' }>[];
  /** Patches received (also applied into `snapshots`; one that does not apply is NACKed with the reason, as a proxy does). */
  readonly patches: Extract<ControlMessage, { type: 'patch' }>[];
  /** Resolves with the first snapshot, received from now on or not yet consumed, that satisfies `predicate`. */
  nextSnapshot(predicate?: (s: ProxySnapshot) => boolean, timeoutMs?: number): Promise<ProxySnapshot>;
  /** Resolves when the stream ends. */
  readonly ended: Promise<void>;
  send(message: ProxyMessage): void;
  close(): void;
}

export interface ClientTls {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

export function connectTestProxy(url: string, tls: ClientTls | { readonly caPem: string }, registration: unknown): Promise<TestProxyClient> {
  return new Promise((resolve, reject) => {
    const session: ClientHttp2Session = connect(url, {
      ca: tls.caPem,
      ...('certPem' in tls ? { cert: tls.certPem, key: tls.keyPem } : {}),
      minVersion: 'TLSv1.3',
      // The control plane's certificate carries a SPIFFE ID, not a host name.
      checkServerIdentity: () => undefined,
    });
    session.on('error', reject);
    const stream: ClientHttp2Stream = session.request({ ':method': 'POST', ':path': subscribePath, 'content-type': 'application/x-ndjson' }, { endStream: false });
    // Before the response, any failure (a refused certificate shows up here under TLS 1.3) fails the connect.
    stream.on('error', reject);
    stream.on('close', () => reject(new Error('the stream closed before a response')));
    session.on('close', () => reject(new Error('the session closed before a response')));
    const send = (m: ProxyMessage): void => {
      if (!stream.closed) stream.write(`${JSON.stringify(m)}\n`);
    };
    const snapshots: ProxySnapshot[] = [];
    const errors: Extract<ControlMessage, { type: 'error' }>[] = [];
    const patches: Extract<ControlMessage, { type: 'patch' }>[] = [];
    let consumed = 0;
    const waiters = new Set<() => void>();
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl !== -1) {
        const message = JSON.parse(buffered.slice(0, nl)) as ControlMessage;
        buffered = buffered.slice(nl + 1);
        if (message.type === 'snapshot') snapshots.push(message.snapshot);
        else if (message.type === 'patch') {
          patches.push(message);
          const current = snapshots.at(-1);
          const applied = current !== undefined ? applySnapshotPatch(current, message) : undefined;
          if (applied?.ok === true) snapshots.push(applied.value);
          else send({ type: 'nack', version: message.version, reason: applied?.error ?? `${baseMismatchReason}: no snapshot yet` });
        }
        else {
          errors.push(message);
          stream.end(); // the control plane ends the stream after an error; end ours too
        }
        nl = buffered.indexOf('\n');
      }
      for (const w of [...waiters]) w();
    });
    const ended = new Promise<void>((done) => stream.on('close', () => {
      for (const w of [...waiters]) w();
      done();
    }));
    stream.on('response', () => {
      session.off('error', reject);
      session.on('error', () => undefined);
      resolve({
        snapshots,
        errors,
        patches,
        ended,
        send,
        nextSnapshot(predicate = () => true, timeoutMs = 5000) {
          return new Promise((ok, fail) => {
            const check = (): void => {
              while (consumed < snapshots.length) {
                const s = snapshots[consumed++]!;
                if (predicate(s)) {
                  waiters.delete(check);
                  clearTimeout(timer);
                  ok(s);
                  return;
                }
              }
              if (stream.closed) {
                waiters.delete(check);
                clearTimeout(timer);
                fail(new Error(`the stream ended; errors: ${JSON.stringify(errors)}`));
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching snapshot within ${timeoutMs} ms (received ${snapshots.length})`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        close() {
          stream.close();
          session.close();
        },
      });
    });
    send({ type: 'hello', registration });
  });
}
