/**
 * The distributor's logic, independent of the transport: follows the store (list, then watch) and
 * the registry, recompiles every proxy's snapshot after a change (debounced: the first change
 * starts a `debounceMs` window, later ones join it, so no change waits longer than that), and
 * pushes each connected proxy its snapshot when its version differs from the one last sent.
 * Records ACK/NACK per proxy: a NACK leaves the proxy on its old version, visible in `status()`.
 *
 * What is pushed: a full `snapshot` on connect; after that a `patch` from the snapshot last sent
 * (see diff-snapshots.ts: endpoint changes become upserts of the changed services only) unless it
 * replaces more than half of the services (and more than one), then the full snapshot. A proxy NACKs a patch whose base it
 * is not on with a reason starting with `baseMismatchReason`: it then gets the full snapshot (such
 * a NACK is a resync request, not a refusal, so it is not shown as a NACK). Any other NACK of a
 * patch also gets the full snapshot once (the patch may not have applied; a refused configuration
 * is refused again and stays visible). A proxy that answers patches with base mismatches twice in
 * a row (one that takes full snapshots only) gets full snapshots from then on. After a NACK of a
 * full snapshot the proxy stays on an older one, so its next push is full.
 *
 * A proxy's first message says which instance it runs for; the identity its certificate proved
 * must be that instance's (same namespace, same service account, the mesh's trust domain).
 * Registration happens then; a lost stream stops the heartbeats, so the instance's lease lapses
 * (not ready) unless it comes back; `bye` deregisters at once.
 */
import type { Resource } from '../../api/resource.js';
import type { ErrorCode } from '../../core/errors.js';
import { ok, type Result } from '../../core/result.js';
import { baseMismatchReason } from '../../proxy/control-stream/stream-protocol.js';
import type { ProxySnapshot } from '../../proxy/snapshot/proxy-snapshot.js';
import { parseSpiffeId } from '../../proxy/tls/spiffe-id.js';
import { createSnapshotCompiler, type CompileOptions } from '../compiler/compile-proxy-snapshots.js';
import { meshSettingsOf } from '../compiler/mesh-settings.js';
import { createWorldSnapshot } from '../compiler/world-snapshot.js';
import type { Registry } from '../registry/registry.js';
import { parseWorkloadRegistration } from '../registry/workload-instance.js';
import type { ResourceStore, StoreError } from '../store/resource-store.js';
import { refKey, refOf } from '../store/resource-ref.js';
import { diffSnapshots, patchIsWorthIt } from './diff-snapshots.js';
import type { ControlMessage, ProxyMessage } from './stream-messages.js';

export interface ProxyConnection {
  send(message: ControlMessage): void;
  /** Sends an error and ends the stream. */
  close(code: ErrorCode, message: string): void;
}

export interface ProxySession {
  receive(message: ProxyMessage): void;
  /** The stream ended (either side). */
  closed(): void;
}

export interface ProxyStatus {
  /** `namespace/name` of the instance. */
  readonly key: string;
  readonly identity: string;
  readonly connected: boolean;
  /** The version the compiler has for it now. */
  readonly latestVersion?: string;
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
  readonly nack?: { readonly version: string; readonly reason: string };
  /** The certificate the proxy last reported in force. */
  readonly certificate?: ProxyCertificate;
}

export interface ProxyCertificate {
  readonly spiffeId: string;
  /** Epoch ms. */
  readonly notAfter: number;
  /** SHA-256 of the DER, hex. */
  readonly fingerprint: string;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface DistributorOptions {
  readonly store: ResourceStore;
  readonly registry: Registry;
  /** Default 100 ms. */
  readonly debounceMs?: number;
  /** How often connected proxies' leases are renewed and lapsed ones expired; default 5 s. */
  readonly heartbeatMs?: number;
  readonly compile?: CompileOptions;
  readonly timers?: Timers;
}

export interface Distributor {
  /** Loads the store and starts following it. */
  start(): Promise<Result<void, StoreError>>;
  /** A proxy whose certificate proved `peerIdentity` opened a stream. */
  connect(peerIdentity: string, connection: ProxyConnection): ProxySession;
  status(): readonly ProxyStatus[];
  /** The snapshot the compiler has now for an instance (`namespace/name`) whose proxy subscribed: what it should run. */
  snapshotOf(key: string): ProxySnapshot | undefined;
  /** Compiles and pushes now (pending debounce included); for tests and shutdown. */
  flush(): void;
  close(): void;
}

interface Session {
  readonly identity: string;
  readonly connection: ProxyConnection;
  key?: string;
  sentVersion?: string;
  /** The snapshot last sent, when the proxy should be on it: the base of the next patch. */
  sent?: ProxySnapshot;
  /** Versions sent as patches since the last full snapshot (a NACK of an older one is stale). */
  readonly patchVersions: Set<string>;
  /** Base-mismatch NACKs of patches since the last ACKed patch. */
  patchRefusals: number;
  /** This proxy does not take patches (it refused them twice in a row): full snapshots only. */
  fullOnly?: boolean;
  ackedVersion?: string;
  nack?: { version: string; reason: string };
  certificate?: ProxyCertificate;
  open: boolean;
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export function createDistributor(options: DistributorOptions): Distributor {
  const { store, registry } = options;
  const debounceMs = options.debounceMs ?? 100;
  const timers = options.timers ?? defaultTimers;
  const resources = new Map<string, Resource>();
  const sessions = new Map<string, Session>(); // by instance key, once hello'd
  const history = new Map<string, Session>(); // last session per key, for status after disconnect
  let latest: ReadonlyMap<string, ProxySnapshot> = new Map();
  // Remembers the last compile: unchanged Services, lists and snapshots are reused, not rebuilt.
  const compiler = createSnapshotCompiler(options.compile ?? {});
  let pending: unknown;
  let cancelWatch: (() => void) | undefined;
  let registryVersion = registry.snapshot().version;

  const heartbeat = timers.setInterval(() => {
    for (const key of sessions.keys()) {
      const [ns, name] = splitKey(key);
      registry.heartbeat(ns, name);
    }
    registry.expire();
    if (registry.snapshot().version !== registryVersion) schedule();
  }, options.heartbeatMs ?? 5000);

  function schedule(): void {
    if (pending !== undefined) return;
    pending = timers.setTimeout(() => {
      pending = undefined;
      push();
    }, debounceMs);
  }

  function push(): void {
    const registrySnapshot = registry.snapshot();
    registryVersion = registrySnapshot.version;
    // Snapshots only for instances whose proxy subscribed (now or before): other registered
    // instances are endpoints, nobody runs their snapshot.
    latest = compiler.compile(createWorldSnapshot([...resources.values()], registrySnapshot.instances), new Set(history.keys()));
    for (const [key, s] of sessions) sendLatest(key, s);
  }

  function sendLatest(key: string, s: Session): void {
    const snapshot = latest.get(key);
    if (snapshot === undefined || snapshot.version === s.sentVersion || !s.open) return;
    s.sentVersion = snapshot.version;
    if (s.sent !== undefined && s.fullOnly !== true) {
      const patch = diffSnapshots(s.sent, snapshot);
      if (patchIsWorthIt(patch, snapshot)) {
        s.sent = snapshot;
        s.patchVersions.add(snapshot.version);
        s.connection.send({ type: 'patch', ...patch });
        return;
      }
    }
    s.sent = snapshot;
    s.patchVersions.clear();
    s.connection.send({ type: 'snapshot', snapshot });
  }

  function hello(s: Session, registration: unknown): void {
    // Check the identity before touching the registry: a refused stream must not replace or remove
    // the registration of the instance it claimed to be.
    const parsed = parseWorkloadRegistration(registration);
    if (!parsed.ok) {
      s.connection.close('WEFT_CONTROL_BAD_REQUEST', `the registration is invalid: ${parsed.error.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
      s.open = false;
      return;
    }
    const r = parsed.value;
    const peer = parseSpiffeId(s.identity);
    const trustDomain = meshSettingsOf([...resources.values()].filter((x) => x.kind === 'Mesh')).trustDomain;
    if (!peer.ok || peer.value.namespace !== r.namespace || peer.value.serviceAccount !== r.serviceAccount || peer.value.trustDomain !== trustDomain) {
      s.connection.close('WEFT_CONTROL_IDENTITY_MISMATCH', `certificate identity ${s.identity} may not subscribe as ${r.namespace}/${r.name} (service account ${r.serviceAccount}, trust domain ${trustDomain})`);
      s.open = false;
      return;
    }
    registry.register(r);
    const key = `${r.namespace}/${r.name}`;
    const previous = sessions.get(key);
    if (previous !== undefined && previous !== s) {
      previous.open = false;
      previous.connection.close('WEFT_CONTROL_SUPERSEDED', 'a newer stream from this proxy replaced this one');
    }
    s.key = key;
    sessions.set(key, s);
    history.set(key, s);
    schedule();
  }

  return {
    async start() {
      const listed = await store.list();
      if (!listed.ok) return listed;
      for (const r of listed.value.items) resources.set(refKey(refOf(r)), r);
      const watch = await store.watch(listed.value.version, (e) => {
        const k = refKey(refOf(e.resource));
        if (e.type === 'DELETED') resources.delete(k);
        else resources.set(k, e.resource);
        schedule();
      });
      if (!watch.ok) return watch;
      cancelWatch = () => watch.value.cancel();
      push();
      return ok(undefined);
    },
    connect(identity, connection) {
      const s: Session = { identity, connection, open: true, patchVersions: new Set(), patchRefusals: 0 };
      return {
        receive(message) {
          if (!s.open) return;
          if (s.key === undefined) {
            if (message.type !== 'hello') {
              s.connection.close('WEFT_CONTROL_BAD_REQUEST', 'the first message must be hello');
              s.open = false;
              return;
            }
            hello(s, message.registration);
            return;
          }
          const [ns, name] = splitKey(s.key);
          switch (message.type) {
            case 'hello':
              s.connection.close('WEFT_CONTROL_BAD_REQUEST', 'hello was already sent on this stream');
              s.open = false;
              return;
            case 'ack':
              registry.heartbeat(ns, name);
              s.ackedVersion = message.version;
              if (s.patchVersions.has(message.version)) s.patchRefusals = 0;
              // On the version last sent: an earlier refusal no longer matters.
              if (s.nack?.version === message.version || message.version === s.sentVersion) delete s.nack;
              return;
            case 'nack': {
              registry.heartbeat(ns, name);
              const mismatch = message.reason.startsWith(baseMismatchReason);
              // A base mismatch is a resync request, not a refusal of the configuration.
              if (!mismatch) s.nack = { version: message.version, reason: message.reason };
              if (s.patchVersions.has(message.version)) {
                // A patch did not take (wrong base, or it did not apply): resend whole, once (later
                // patches were built on it and fail too; their NACKs find them forgotten here). A
                // proxy that refuses patches twice in a row gets full snapshots from then on.
                if (mismatch && ++s.patchRefusals >= 2) s.fullOnly = true;
                delete s.sent;
                delete s.sentVersion;
                s.patchVersions.clear();
                sendLatest(s.key, s);
              } else if (message.version === s.sentVersion) {
                // The full snapshot was refused: the proxy stays on an older one, so no patch on it.
                delete s.sent;
              }
              return;
            }
            case 'ready':
              if (registry.setReady(ns, name, message.ready)) schedule();
              return;
            case 'certificate':
              s.certificate = { spiffeId: message.spiffeId, notAfter: message.notAfter, fingerprint: message.fingerprint };
              return;
            case 'bye':
              if (registry.deregister(ns, name)) schedule();
              return;
          }
        },
        closed() {
          s.open = false;
          if (s.key !== undefined && sessions.get(s.key) === s) sessions.delete(s.key);
        },
      };
    },
    status() {
      return [...history.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, s]): ProxyStatus => {
          const latestVersion = latest.get(key)?.version;
          return {
            key,
            identity: s.identity,
            connected: sessions.get(key) === s && s.open,
            ...(latestVersion !== undefined ? { latestVersion } : {}),
            ...(s.sentVersion !== undefined ? { sentVersion: s.sentVersion } : {}),
            ...(s.ackedVersion !== undefined ? { ackedVersion: s.ackedVersion } : {}),
            ...(s.nack !== undefined ? { nack: { ...s.nack } } : {}),
            ...(s.certificate !== undefined ? { certificate: { ...s.certificate } } : {}),
          };
        });
    },
    snapshotOf: (key) => latest.get(key),
    flush() {
      if (pending !== undefined) timers.clearTimeout(pending);
      pending = undefined;
      push();
    },
    close() {
      if (pending !== undefined) timers.clearTimeout(pending);
      pending = undefined;
      timers.clearInterval(heartbeat);
      cancelWatch?.();
      for (const s of sessions.values()) s.open = false;
      sessions.clear();
    },
  };
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
