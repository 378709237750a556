// One simulated proxy of the control benchmark: an HTTP/2 session over mTLS to the distributor with
// one subscription stream, as a real proxy holds it. It sends `hello` with its registration, parses
// every line it receives (JSON), applies patches to the snapshot it is on (applySnapshotPatch, when
// the control-stream code), ACKs each resulting version, NACKs what it cannot apply, and counts the
// bytes it received per message kind. Nothing is skipped: this is the per-proxy work of a real
// proxy's control stream, minus the listeners it would then reconfigure.
import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { ProxySnapshot } from '../src/proxy/snapshot/proxy-snapshot.js';
import type { ControlMessage, SnapshotPatch } from '../src/proxy/control-stream/stream-protocol.js';
import { baseMismatchReason, subscribePath } from '../src/proxy/control-stream/stream-protocol.js';
import type { BenchRegistration } from './control-scenario.js';

/** Applies a patch to its base snapshot. */
export type PatchApplier = (base: ProxySnapshot, patch: SnapshotPatch) => { ok: true; snapshot: ProxySnapshot } | { ok: false; reason: string };

export interface TrafficCounters {
  snapshotMessages: number;
  snapshotBytes: number;
  patchMessages: number;
  patchBytes: number;
  otherMessages: number;
  otherBytes: number;
  nacks: number;
  /** Subscriptions lost and reopened. */
  reconnects: number;
}

export function zeroTraffic(): TrafficCounters {
  return { snapshotMessages: 0, snapshotBytes: 0, patchMessages: 0, patchBytes: 0, otherMessages: 0, otherBytes: 0, nacks: 0, reconnects: 0 };
}

export interface SimProxyOptions {
  readonly url: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly registration: BenchRegistration;
  readonly windowBytes: number;
  readonly applyPatch: PatchApplier;
  /** Counters shared by the process (reset per measured change by the owner). */
  readonly traffic: () => TrafficCounters;
  /** Called after each ACK is written, with the hrtime ms of the write. */
  readonly acked: (proxy: SimProxy, at: number) => void;
  readonly now: () => number;
}

export interface SimProxy {
  readonly key: string;
  readonly registration: BenchRegistration;
  /** The snapshot this proxy is on (the last one it ACKed). */
  readonly snapshot: ProxySnapshot | undefined;
  /** Bytes of the first full snapshot line it received. */
  readonly firstSnapshotBytes: number | undefined;
  /** Bytes of the latest full snapshot line it received. */
  readonly lastSnapshotBytes: number | undefined;
  readonly problems: readonly string[];
  /** Opens the session and the stream and sends hello; resolves when the response headers arrive. */
  open(): Promise<void>;
  send(line: string): void;
  close(): void;
}

export function createSimProxy(o: SimProxyOptions): SimProxy {
  const key = `${o.registration.namespace}/${o.registration.name}`;
  let session: ClientHttp2Session | undefined;
  let stream: ClientHttp2Stream | undefined;
  let snapshot: ProxySnapshot | undefined;
  let firstSnapshotBytes: number | undefined;
  let lastSnapshotBytes: number | undefined;
  let closing = false;
  const problems: string[] = [];

  const send = (line: string): void => {
    if (stream !== undefined && !stream.closed && !stream.destroyed) stream.write(line);
  };

  const onLine = (line: Buffer): void => {
    const bytes = line.length + 1;
    const t = o.traffic();
    let message: ControlMessage;
    try {
      message = JSON.parse(line.toString('utf8')) as ControlMessage;
    } catch {
      problems.push('a line from the control plane is not JSON');
      return;
    }
    if (message.type === 'snapshot') {
      t.snapshotMessages++;
      t.snapshotBytes += bytes;
      if (firstSnapshotBytes === undefined) firstSnapshotBytes = bytes;
      lastSnapshotBytes = bytes;
      snapshot = message.snapshot;
      send(`{"type":"ack","version":${JSON.stringify(snapshot.version)}}\n`);
      o.acked(proxy, o.now());
      return;
    }
    if (message.type === 'patch') {
      t.patchMessages++;
      t.patchBytes += bytes;
      const refuse = (reason: string): void => {
        t.nacks++;
        send(`${JSON.stringify({ type: 'nack', version: message.version, reason })}\n`);
      };
      if (snapshot === undefined || snapshot.version !== message.base) return refuse(`${baseMismatchReason}: on ${snapshot?.version ?? 'nothing'}, patch is for ${message.base}`);
      const applied = o.applyPatch(snapshot, message);
      if (!applied.ok) return refuse(applied.reason);
      snapshot = applied.snapshot;
      send(`{"type":"ack","version":${JSON.stringify(snapshot.version)}}\n`);
      o.acked(proxy, o.now());
      return;
    }
    t.otherMessages++;
    t.otherBytes += bytes;
    problems.push(`error from the control plane: ${message.code} ${message.message}`);
  };

  const openOnce = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const s = connect(o.url, {
        ca: o.caPem,
        cert: o.certPem,
        key: o.keyPem,
        minVersion: 'TLSv1.3',
        // The control plane's certificate carries a SPIFFE ID, not a host name.
        checkServerIdentity: () => undefined,
        // HTTP/2 windows as weft proxy's control-stream client has them (Node's defaults, 64 KiB)
        // unless told otherwise: small windows also keep PINGs from queueing behind megabytes of data.
        ...(o.windowBytes > 0 ? { settings: { initialWindowSize: o.windowBytes, enablePush: false } } : {}),
      });
      session = s;
      if (o.windowBytes > 0) s.once('connect', () => s.setLocalWindowSize(o.windowBytes));
      s.on('error', (e: Error) => {
        problems.push(`session: ${e.message}`);
        reject(e);
      });
      const st = s.request({ ':method': 'POST', ':path': subscribePath, 'content-type': 'application/x-ndjson' }, { endStream: false });
      stream = st;
      st.on('error', (e: Error) => {
        problems.push(`stream: ${e.message}`);
        reject(e);
      });
      st.on('close', () => reject(new Error('the stream closed before a response')));
      let parts: Buffer[] = [];
      let partLength = 0;
      st.on('data', (chunk: Buffer) => {
        let start = 0;
        let nl = chunk.indexOf(10, start);
        while (nl !== -1) {
          const piece = chunk.subarray(start, nl);
          let line = piece;
          if (parts.length > 0) {
            parts.push(piece);
            line = Buffer.concat(parts, partLength + piece.length);
            parts = [];
            partLength = 0;
          }
          onLine(line);
          start = nl + 1;
          nl = chunk.indexOf(10, start);
        }
        if (start < chunk.length) {
          const rest = chunk.subarray(start);
          parts.push(rest);
          partLength += rest.length;
        }
      });
      st.on('response', (headers) => {
        if (headers[':status'] !== 200) reject(new Error(`subscribe answered ${String(headers[':status'])}`));
        else {
          resolve();
          // From now on a stream that ends without our asking is a lost subscription (e.g. the
          // control plane's keep-alive PING went unanswered while this process was busy).
          st.once('close', () => {
            if (closing) return;
            problems.push('a subscription stream ended without the proxy asking (the control plane closed it or the connection was lost); it reconnected');
            o.traffic().reconnects++;
            s.destroy();
            reconnectLater(0);
          });
        }
      });
      send(`${JSON.stringify({ type: 'hello', registration: o.registration })}\n`);
    });

  /** As a real proxy: reconnect with exponential backoff (0.5 s doubling to 8 s) and jitter, keeping the last snapshot. */
  const reconnectLater = (attempt: number): void => {
    const delay = Math.min(8000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    setTimeout(() => {
      if (closing) return;
      openOnce().catch(() => {
        session?.destroy();
        reconnectLater(attempt + 1);
      });
    }, delay).unref();
  };

  const proxy: SimProxy = {
    key,
    registration: o.registration,
    get snapshot() {
      return snapshot;
    },
    get firstSnapshotBytes() {
      return firstSnapshotBytes;
    },
    get lastSnapshotBytes() {
      return lastSnapshotBytes;
    },
    problems,
    open: () => openOnce(),
    send,
    close() {
      closing = true;
      stream?.close();
      session?.close();
    },
  };
  return proxy;
}
