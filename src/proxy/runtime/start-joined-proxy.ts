/**
 * `weft proxy --control-url`: a proxy that joins a control plane. It gets its certificate from the
 * CA with its bootstrap token (key made here, never written), subscribes to the distributor with it,
 * and starts serving on the first snapshot that applies; later snapshots and patches go through the
 * running proxy (`apply`). With a state directory the last applied snapshot is kept on disk, so a
 * proxy restarted while the control plane is away serves on it (once it has a certificate).
 * `/ready` answers "not ready" on the admin port until the certificate and the first snapshot are in.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { weftError, type WeftError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { err, ok, type Result } from '../../core/result.js';
import { createControlStreamClient, type ControlStreamClient, type StreamTimers } from '../control-stream/control-stream-client.js';
import type { PatchApplier, SnapshotTarget } from '../control-stream/handle-control-message.js';
import type { ReconnectBackoff } from '../control-stream/reconnect-delay.js';
import { applySnapshotPatch } from '../control-stream/apply-snapshot-patch.js';
import { createHttpCertificateRequester } from '../identity-client/certificate-requester.js';
import { createIdentityClient, type IdentityClient } from '../identity-client/identity-client.js';
import { parseProxySnapshotValue } from '../snapshot/parse-proxy-snapshot.js';
import type { RefreshTimingConfig } from '../../policy/cert-refresh/refresh-timing.js';
import { openAdminSlot } from './admin-slot.js';
import { createClientIdentitySource } from './identity-source.js';
import type { Log } from './log.js';
import { startProxy, type ProxyOptions, type RunningProxy } from './proxy-runtime.js';

export interface JoinOptions {
  /** The control plane API (the CA), e.g. http://127.0.0.1:15080. */
  readonly controlUrl: string;
  /** The distributor, https://HOST:PORT. */
  readonly distributorUrl: string;
  readonly token: string;
  /** The workload registration sent in `hello` (its namespace and service account name the identity). */
  readonly registration: RegistrationIdentity & Readonly<Record<string, unknown>>;
  readonly trustDomain: string;
  /** Where the last applied snapshot is kept (no key material is ever written). */
  readonly stateDir?: string;
  /** Everything the runtime needs besides identity and snapshots. */
  readonly proxy: Omit<ProxyOptions, 'identity' | 'snapshotFile' | 'initialSnapshot' | 'admin' | 'ready' | 'controlState' | 'watchSnapshot'>;
  readonly log: Log;
  readonly clock: Clock;
  readonly random: Random;
  readonly timers: StreamTimers;
  /** Default `applySnapshotPatch`; the result is validated like any snapshot. */
  readonly applyPatch?: PatchApplier;
  readonly backoff?: Partial<ReconnectBackoff>;
  readonly refreshTiming?: Partial<RefreshTimingConfig>;
}

export interface RegistrationIdentity {
  readonly namespace: string;
  readonly serviceAccount?: string;
}

export interface JoinedProxy {
  readonly proxy: RunningProxy;
  readonly identity: IdentityClient;
  readonly stream: ControlStreamClient;
  /** Says `bye` to the control plane, then drains the proxy. */
  stop(drainMs: number): Promise<void>;
}

const snapshotFileName = 'snapshot.json';

/** The SPIFFE ID the proxy asks for: spiffe://<td>/ns/<namespace>/sa/<serviceAccount or default>. */
export function requestedSpiffeId(trustDomain: string, r: RegistrationIdentity): string {
  return `spiffe://${trustDomain}/ns/${r.namespace}/sa/${r.serviceAccount ?? 'default'}`;
}

/** Starts the proxy once it has a certificate and a first snapshot; resolves then (or on a fatal start error). */
export async function startJoinedProxy(o: JoinOptions): Promise<Result<JoinedProxy, readonly WeftError[]>> {
  const { log, clock } = o;
  const spiffeId = requestedSpiffeId(o.trustDomain, o.registration);
  const identity = createIdentityClient({
    spiffeId,
    requester: createHttpCertificateRequester({ controlUrl: o.controlUrl, token: o.token }),
    clock,
    random: o.random,
    timers: o.timers,
    timing: { retryBaseMs: 500, ...o.refreshTiming },
    // While it has no certificate the proxy cannot serve: retry within seconds, not a minute.
    firstRetryMaxMs: 5000,
  });
  // Set once the certificate is in (the stream needs it); the admin slot reports before that too.
  const streamRef: { client?: ControlStreamClient } = {};
  let proxy: RunningProxy | undefined;
  let cached: unknown;
  const controlState = (): unknown => ({
    ...(streamRef.client === undefined ? { phase: 'certificate' } : streamRef.client.state()),
    certificate: identity.state(),
  });
  const pendingSources = {
    ready: () => false,
    metrics: () => '',
    config: () => ({ version: null, control: controlState() }),
    stats: () => ({ version: null, starting: true, control: controlState() }),
  };
  const slot = await openAdminSlot(o.proxy.adminAddress, o.proxy.adminPort, pendingSources);
  if (!slot.ok) return err([slot.error]);
  const admin = slot.value;

  identity.onFailure((e, retryInMs) => log.warn('certificate request failed', { code: e.code, error: e.message, retryInMs }));
  let issued = 0;
  identity.onMaterial((m) => {
    issued++;
    log.info(issued === 1 ? 'certificate issued' : 'certificate renewed', { spiffeId: m.spiffeId, notAfter: new Date(m.notAfter).toISOString() });
  });
  identity.start();
  await identity.whenReady();
  const source = createClientIdentitySource(identity);

  // One snapshot application at a time (the stream's and a cached one may race at start).
  let chain: Promise<unknown> = Promise.resolve();
  let resolveStarted: (p: RunningProxy) => void = () => undefined;
  const started = new Promise<RunningProxy>((resolve) => (resolveStarted = resolve));

  const save = async (): Promise<void> => {
    if (o.stateDir === undefined || proxy === undefined) return;
    const file = join(o.stateDir, snapshotFileName);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
      await writeFile(tmp, JSON.stringify(proxy.current().snapshot), { mode: 0o600 });
      await rename(tmp, file);
    } catch (e) {
      log.warn('cannot save the snapshot in the state directory', { dir: o.stateDir, error: e instanceof Error ? e.message : String(e) });
    }
  };

  const applyOnce = async (value: unknown, reason: string): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>> => {
    if (proxy !== undefined) {
      const r = await proxy.apply(value, reason);
      if (r.ok && r.value === 'applied') await save();
      return r;
    }
    const parsed = parseProxySnapshotValue(value, reason);
    if (!parsed.ok) {
      log.warn('snapshot refused; no snapshot in force yet', { reason, problems: parsed.error });
      return parsed;
    }
    const running = await startProxy({
      ...o.proxy,
      initialSnapshot: parsed.value,
      identity: source,
      admin,
      watchSnapshot: false,
      ready: () => identity.isReady(),
      controlState,
    });
    if (!running.ok) {
      admin.use(pendingSources);
      log.warn('snapshot refused; the proxy could not start on it', { reason, version: parsed.value.version, problems: running.error });
      return running;
    }
    proxy = running.value;
    log.info('snapshot applied', { reason, version: parsed.value.version });
    await save();
    resolveStarted(proxy);
    return ok('applied');
  };
  const target: SnapshotTarget = {
    current: () => proxy?.current().snapshot,
    apply: (value, reason) => {
      const p = chain.then(() => applyOnce(value, reason));
      chain = p.catch(() => undefined);
      return p;
    },
  };

  if (o.stateDir !== undefined) {
    try {
      cached = JSON.parse(await readFile(join(o.stateDir, snapshotFileName), 'utf8'));
    } catch {
      cached = undefined; // none yet, or unreadable: wait for the control plane
    }
  }

  const stream = createControlStreamClient({
    url: o.distributorUrl,
    registration: o.registration,
    credentials: source.credentials,
    controlIdentity: `spiffe://${o.trustDomain}/ns/weft-system/sa/weft-control`,
    target,
    applyPatch: o.applyPatch ?? applySnapshotPatch,
    log,
    clock,
    random: o.random,
    timers: o.timers,
    ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
    onDisconnected: () => {
      // Control plane away and nothing in force yet: serve on the last snapshot this proxy applied.
      if (proxy !== undefined || cached === undefined) return;
      const value = cached;
      cached = undefined;
      log.info('distributor unreachable: applying the cached snapshot', { dir: o.stateDir });
      void target.apply(value, 'cached snapshot');
    },
  });
  streamRef.client = stream;
  stream.start();
  const running = await started;
  const s = stream;
  return ok({
    proxy: running,
    identity,
    stream: s,
    async stop(drainMs) {
      await s.stop({ bye: true });
      await running.drain(drainMs);
    },
  });
}

/** Reads and minimally checks the registration file: the control plane validates the rest. */
export function parseRegistrationText(text: string, where: string): Result<RegistrationIdentity & Readonly<Record<string, unknown>>, WeftError> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return err(weftError('WEFT_CONFIG_PARSE', `the registration is not JSON: ${e instanceof Error ? e.message : String(e)}`, where));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return err(weftError('WEFT_CONFIG_INVALID', 'the registration must be a JSON object', where));
  const r = value as Record<string, unknown>;
  if (typeof r['namespace'] !== 'string' || r['namespace'] === '') return err(weftError('WEFT_CONFIG_INVALID', 'the registration needs a namespace', `${where}: namespace`));
  if (r['serviceAccount'] !== undefined && (typeof r['serviceAccount'] !== 'string' || r['serviceAccount'] === '')) {
    return err(weftError('WEFT_CONFIG_INVALID', 'serviceAccount must be a name', `${where}: serviceAccount`));
  }
  return ok({ ...r, namespace: r['namespace'], ...(typeof r['serviceAccount'] === 'string' ? { serviceAccount: r['serviceAccount'] } : {}) });
}
