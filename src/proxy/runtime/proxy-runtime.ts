/**
 * One running proxy: identity material, the snapshot in force (as a generation), the inbound and outbound
 * handlers, the listeners (capture 15006/15001 when enabled, explicit ones from the snapshot), the admin
 * server, reload and drain. A new snapshot applies atomically: new connections and requests use it,
 * in-flight ones finish on the generation they started with; a bad snapshot is refused and counted,
 * the old one stays.
 */
import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { basename, dirname } from 'node:path';
import type { Server as HttpServer } from 'node:http';
import { weftError, type WeftError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { createAdminServer } from '../admin/admin-server.js';
import { createH2SessionPool } from '../http2/h2-session-pool.js';
import { parseProxySnapshot, parseProxySnapshotValue } from '../snapshot/parse-proxy-snapshot.js';
import type { OriginalDstReader } from './capture-port.js';
import type { AccessLog } from '../telemetry/access-log.js';
import { createCryptoRandomBytes, createTraceIds } from '../telemetry/index.js';
import type { RequestRecorder } from '../http1/engine-types.js';
import { createGeneration, type Generation, type RecorderBinder } from './generation.js';
import type { DecisionObserver } from './inbound-authorizer.js';
import { createProxyMetrics, outboundEdgeLabels } from '../metrics/index.js';
import { isProxyOwnPort, isSelfDestination } from '../capture/loop-guard.js';
import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import { createHttp1Engine } from '../http1/http1-engine.js';
import { createConnectionPool, defaultAppPoolIdleTimeoutMs, defaultPeerPoolIdleTimeoutMs } from '../pool/connection-pool.js';
import type { Http1EnginePort } from './http1-port.js';
import { ALPN_HTTP1, createInboundHandler } from './inbound-handler.js';
import type { Log } from './log.js';
import { createOutboundHandler } from './outbound-handler.js';
import { createShellMetrics, type ShellMetrics } from './shell-metrics.js';
import { createTcpRegistry } from './tcp-registry.js';
import type { IdentitySource } from './identity-source.js';
import type { AdminSlot } from './admin-slot.js';
import type { ProxySnapshot } from '../snapshot/proxy-snapshot.js';

export interface ProxyOptions {
  /**
   * Where snapshots come from: a file (read now, reloaded on `reload` and, with `watchSnapshot`, on
   * change), or pushed (`initialSnapshot` now, later ones through `apply`: the control stream).
   */
  readonly snapshotFile?: string;
  readonly initialSnapshot?: ProxySnapshot;
  /** The proxy's identity (files or the control plane's CA); closed by `drain` (after a failed start, the caller's). */
  readonly identity: IdentitySource;
  /** An admin server already listening (control mode: `/ready` answers false before the start); default: one is opened here. */
  readonly admin?: AdminSlot;
  /** Extra readiness beyond "started and not draining" (control mode: the certificate is valid now). */
  readonly ready?: () => boolean;
  /** State of the control-plane connection, shown in `/config` and `/stats` as `control`. */
  readonly controlState?: () => unknown;
  readonly adminAddress: string;
  readonly adminPort: number;
  readonly inboundPort: number;
  readonly outboundPort: number;
  /** Transparent capture listeners (15006/15001); needs the original-destination reader. */
  readonly capture: boolean;
  readonly originalDst: OriginalDstReader | undefined;
  readonly detectTimeoutMs: number;
  /** Watch the snapshot file and reload on change (besides SIGHUP, which main.ts wires to `reload`). */
  readonly watchSnapshot: boolean;
  readonly log: Log;
  readonly clock: Clock;
  readonly random: Random;
  /** Where access-log lines go when the snapshot turns the log on for a direction. */
  readonly accessLog: AccessLog;
  /**
   * Offer `weft-mux` to peer proxies (one mTLS connection per peer carrying every pooled HTTP/1.1
   * connection as a stream; src/proxy/mux). Default true; `--no-mesh-mux` turns it off.
   */
  readonly meshMux?: boolean;
}

export interface RunningProxy {
  readonly adminPort: number;
  readonly inboundPort: number | undefined;
  readonly outboundPort: number | undefined;
  /** Explicit listeners: `kind address:port`. */
  listeners(): readonly string[];
  readonly metrics: ShellMetrics;
  current(): Generation;
  /** Reads the snapshot file again and applies it if it is valid and different (no file: 'unchanged'). */
  reload(reason: string): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>>;
  /**
   * Applies a snapshot that arrived as a decoded value (the control stream): the same validation and
   * the same generation swap as `reload`. 'unchanged' when its version is the one in force; on error
   * the snapshot in force stays.
   */
  apply(snapshot: unknown, reason: string): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>>;
  /** Stops accepting, lets in-flight work finish up to `deadlineMs`, then closes everything. */
  drain(deadlineMs: number): Promise<void>;
}

interface ExplicitListener {
  readonly kind: 'inbound' | 'outbound';
  readonly key: string;
  readonly server: Server;
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<Result<number, WeftError>> {
  return new Promise((resolve) => {
    const onError = (e: Error): void => resolve(err(weftError('WEFT_RUNTIME_UNAVAILABLE', `cannot listen on ${host}:${port}: ${e.message}`, `${host}:${port}`)));
    server.once('error', onError);
    server.listen({ port, host, backlog: 1024 }, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(ok(typeof a === 'object' && a !== null ? a.port : port));
    });
  });
}

function splitKey(key: string): { host: string; port: number } {
  const i = key.lastIndexOf(':');
  return { host: key.slice(0, i), port: Number(key.slice(i + 1)) };
}

/** Starts a proxy. Fails (with every problem) when the certificate or the first snapshot is unusable. */
export async function startProxy(o: ProxyOptions): Promise<Result<RunningProxy, readonly WeftError[]>> {
  const { log } = o;
  const metrics = createShellMetrics();
  const registry = createProxyMetrics();
  // Every authorization decision (TCP, HTTP/1.1, HTTP/2, gRPC) is counted; at debug level the rule is logged.
  const observe: DecisionObserver = (protocol, d, attrs) => {
    registry.authzDecision(d.allowed, d.policy ?? '');
    if (log.debugEnabled) {
      log.debug('authorization decision', { protocol, allowed: d.allowed, policy: d.policy, rule: d.ruleIndex, reason: d.reason, peer: attrs.sourcePrincipal, port: attrs.destinationPort, path: attrs.path });
    }
  };
  const identity = o.identity;
  const tls = identity.credentials;
  // A failed start leaves what the caller passed in (identity, admin slot) to the caller.
  let closeHandlers = (): void => undefined;
  const closeStart = (): void => {
    stopRotationLog();
    closeHandlers();
  };
  identity.onProblem((e) => {
    metrics.unexpectedErrors.inc(['cert_rotation']);
    log.warn('certificate rotation failed; keeping the current one', { error: e.message, where: e.where });
  });
  const stopRotationLog = tls.onUpdate((m) => log.info('certificate rotated: new connections use it', { spiffeId: m.spiffeId, notAfter: new Date(m.notAfter).toISOString() }));

  const snapshotFile = o.snapshotFile;
  let text = '';
  let first: Result<ProxySnapshot, readonly WeftError[]>;
  if (snapshotFile !== undefined) {
    try {
      text = await readFile(snapshotFile, 'utf8');
    } catch (e) {
      closeStart();
      return err([weftError('WEFT_CONFIG_IO', `cannot read the snapshot: ${e instanceof Error ? e.message : String(e)}`, snapshotFile)]);
    }
    first = parseProxySnapshot(text, snapshotFile);
  } else if (o.initialSnapshot !== undefined) {
    first = ok(o.initialSnapshot);
  } else {
    first = err([weftError('WEFT_CONFIG_INVALID', 'no snapshot: give a snapshot file or an initial snapshot')]);
  }
  if (!first.ok) {
    closeStart();
    return err(first.error);
  }
  const bindRecorder: RecorderBinder = (service, snap) => {
    const edge = registry.bindEdge(outboundEdgeLabels(snap.workload, service, 'http'));
    const recorder: RequestRecorder = { record: (status, ms, authz) => edge.recordRequest(status, -1, authz, ms / 1000) };
    return snap.outbound.accessLog ? { recorder, accessLog: o.accessLog } : { recorder };
  };
  const firstGen = createGeneration(first.value, observe, bindRecorder);
  if (!firstGen.ok) {
    closeStart();
    return err(firstGen.error);
  }
  let gen = firstGen.value;
  let lastText = text;
  let draining = false;
  const current = (): Generation => gen;
  const ownPorts = new Set<number>([o.adminPort, o.inboundPort, o.outboundPort]);
  const tcp = createTcpRegistry();
  const onPoolError = (key: string, e: Error): void => log.debug('h2 upstream session error', { upstream: key, error: e.message });
  const appH2 = createH2SessionPool(onPoolError);
  const peerH2 = createH2SessionPool(onPoolError);
  const peerPool = createConnectionPool({
    clock: o.clock, idleTimeoutMs: defaultPeerPoolIdleTimeoutMs, maxIdlePerKey: 64, maxConcurrentDials: 16, connectTimeoutMs: 5_000,
    secureContext: () => tls.secureContext, alpn: ALPN_HTTP1, sweepIntervalMs: 5_000, mux: o.meshMux ?? true,
    onTlsFailure: (reason) => registry.tlsHandshakeFailure('outbound', reason),
    onMuxProtocolError: (reason, peer) => {
      metrics.unexpectedErrors.inc(['mux']);
      log.debug('outbound mux connection broke the protocol', { peer, reason });
    },
  });
  const appPool = createConnectionPool({
    clock: o.clock, idleTimeoutMs: defaultAppPoolIdleTimeoutMs, maxIdlePerKey: 64, maxConcurrentDials: 64, connectTimeoutMs: 5_000, sweepIntervalMs: 1_000,
  });
  const traceIds = createTraceIds(createCryptoRandomBytes());
  const http1: Http1EnginePort = createHttp1Engine({
    clock: o.clock, random: o.random, traceIds, peerPool, appPool, ownIdentity: first.value.workload.spiffeId,
    workload: { name: first.value.workload.name, namespace: first.value.workload.namespace },
    onInternalError: (e) => {
      metrics.unexpectedErrors.inc(['http1']);
      log.error('unexpected error in the HTTP/1.1 engine', { error: e instanceof Error ? e.stack : String(e) });
    },
  });
  const inbound = createInboundHandler({ log, metrics, registry, accessLog: o.accessLog, clock: o.clock, tls, current, http1, tcp, appH2, detectTimeoutMs: o.detectTimeoutMs, ownPorts: () => ownPorts });
  closeHandlers = () => {
    inbound.close();
    peerPool.close();
    appPool.close();
  };
  const outbound = createOutboundHandler({ log, metrics, registry, accessLog: o.accessLog, clock: o.clock, current, tls, http1, peerH2, traceIds, detectTimeoutMs: o.detectTimeoutMs });

  // A guard around each accept: an unexpected throw concerns one connection, never the process.
  const guarded = (where: string, fn: (s: Socket) => void) => (s: Socket): void => {
    try {
      fn(s);
    } catch (e) {
      metrics.unexpectedErrors.inc([where]);
      log.error('unexpected error on a connection', { where, error: e instanceof Error ? e.stack : String(e) });
      s.destroy();
    }
  };

  const servers: Server[] = [];
  const closeAll = (): void => {
    for (const s of servers) s.close();
  };
  // Admin.
  const controlState = o.controlState;
  const adminSources = {
    ready: () => !draining && (o.ready?.() ?? true),
    metrics: () => registry.render() + metrics.render(),
    config: () => ({ version: gen.snapshot.version, ...(controlState === undefined ? {} : { control: controlState() }), snapshot: gen.snapshot }),
    stats: () => ({
      version: gen.snapshot.version,
      draining,
      tcpInboundOpen: tcp.size(),
      tcpOutboundOpen: outbound.openTunnels(),
      h2InboundStreams: inbound.h2.activeStreams(),
      h2OutboundStreams: outbound.h2.activeStreams(),
      peerPool: peerPool.stats(),
      appPool: appPool.stats(),
      counters: metrics.toJson(),
      ...(controlState === undefined ? {} : { control: controlState() }),
    }),
  };
  let admin: HttpServer;
  let adminPort: Result<number, WeftError>;
  if (o.admin !== undefined) {
    admin = o.admin.server;
    o.admin.use(adminSources);
    adminPort = ok(o.admin.port);
  } else {
    admin = createAdminServer(adminSources);
    adminPort = await listen(admin, o.adminPort, o.adminAddress);
  }
  if (!adminPort.ok) {
    closeStart();
    return err([adminPort.error]);
  }
  ownPorts.add(adminPort.value);

  // Capture listeners.
  let inboundPort: number | undefined;
  let outboundPort: number | undefined;
  if (o.capture) {
    const reader = o.originalDst;
    if (reader === undefined) {
      if (o.admin === undefined) admin.close();
      closeStart();
      return err([weftError('WEFT_RUNTIME_UNAVAILABLE', 'transparent capture was asked for but the original-destination reader is not available; use --no-capture')]);
    }
    const inSrv = createServer({ noDelay: true }, guarded('inbound capture', (s) => {
      const od = reader(s);
      if (od === undefined) {
        s.destroy();
        return;
      }
      // The inbound handler refuses the proxy's own ports (loop guard), see InboundDeps.ownPorts.
      inbound.accept(s, od.port);
    }));
    const outSrv = createServer({ noDelay: true }, guarded('outbound capture', (s) => {
      const od = reader(s);
      // Not redirected (the original destination is this very listener): refuse, or it would loop.
      if (od === undefined || isSelfDestination({ ...od, family: 4 }, s) || isProxyOwnPort({ ...od, family: 4 }, ownPorts)) {
        metrics.upstreamFailures.inc(['outbound', 'loop_guard']);
        s.destroy();
        return;
      }
      const key = `${od.address}:${od.port}`;
      outbound.accept(s, () => gen.servicesByVip.get(key));
    }));
    const a = await listen(inSrv, o.inboundPort, '0.0.0.0');
    const b = await listen(outSrv, o.outboundPort, '127.0.0.1');
    if (!a.ok || !b.ok) {
      inSrv.close();
      outSrv.close();
      if (o.admin === undefined) admin.close();
      closeStart();
      return err([...(a.ok ? [] : [a.error]), ...(b.ok ? [] : [b.error])]);
    }
    servers.push(inSrv, outSrv);
    inboundPort = a.value;
    outboundPort = b.value;
    ownPorts.add(a.value).add(b.value);
  }

  // Explicit listeners, reconciled with each generation.
  const explicit = new Map<string, ExplicitListener>();
  const reconcile = async (g: Generation): Promise<WeftError[]> => {
    const problems: WeftError[] = [];
    const wanted = new Map<string, 'inbound' | 'outbound'>();
    for (const k of g.inboundByListen.keys()) wanted.set(`inbound ${k}`, 'inbound');
    for (const k of g.servicesByListen.keys()) wanted.set(`outbound ${k}`, 'outbound');
    for (const [id, l] of explicit) {
      if (!wanted.has(id)) {
        l.server.close();
        explicit.delete(id);
      }
    }
    for (const [id, kind] of wanted) {
      if (explicit.has(id)) continue;
      const key = id.slice(id.indexOf(' ') + 1);
      const server = kind === 'inbound'
        ? createServer({ noDelay: true }, guarded('inbound listener', (s) => {
          const port = gen.inboundByListen.get(key);
          if (port === undefined) s.destroy();
          else inbound.accept(s, port);
        }))
        : createServer({ noDelay: true }, guarded('outbound listener', (s) => outbound.accept(s, () => gen.servicesByListen.get(key))));
      const { host, port } = splitKey(key);
      const r = await listen(server, port, host);
      if (!r.ok) {
        problems.push(r.error);
        continue;
      }
      ownPorts.add(port);
      explicit.set(id, { kind, key, server });
    }
    return problems;
  };
  const firstProblems = await reconcile(gen);
  if (firstProblems.length > 0) {
    for (const l of explicit.values()) l.server.close();
    closeAll();
    if (o.admin === undefined) admin.close();
    closeStart();
    return err(firstProblems);
  }
  metrics.snapshotLoads.inc(['applied']);

  // One swap at a time, in arrival order (file reloads and pushed snapshots alike).
  let reloading: Promise<unknown> = Promise.resolve();
  const serialized = (fn: () => Promise<Result<'applied' | 'unchanged', readonly WeftError[]>>): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>> => {
    const p = reloading.then(fn);
    reloading = p.catch(() => undefined);
    return p;
  };
  const reloadOnce = async (reason: string): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>> => {
    if (snapshotFile === undefined) {
      metrics.snapshotLoads.inc(['unchanged']);
      return ok('unchanged');
    }
    let next: string;
    try {
      next = await readFile(snapshotFile, 'utf8');
    } catch (e) {
      metrics.snapshotLoads.inc(['rejected']);
      const problem = weftError('WEFT_CONFIG_IO', `cannot read the snapshot: ${e instanceof Error ? e.message : String(e)}`, snapshotFile);
      log.warn('snapshot refused; keeping the one in force', { reason, version: gen.snapshot.version, problems: [problem] });
      return err([problem]);
    }
    if (next === lastText) {
      metrics.snapshotLoads.inc(['unchanged']);
      return ok('unchanged');
    }
    const result = await install(parseProxySnapshot(next, snapshotFile), reason);
    if (result.ok) lastText = next;
    return result;
  };
  const applyOnce = async (value: unknown, reason: string): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>> => {
    const parsed = parseProxySnapshotValue(value, 'control stream');
    if (parsed.ok && parsed.value.version === gen.snapshot.version) {
      metrics.snapshotLoads.inc(['unchanged']);
      return ok('unchanged');
    }
    return install(parsed, reason);
  };
  /** Validation done by the caller's parser; builds the generation and swaps it in, or keeps the old one. */
  const install = async (parsed: Result<ProxySnapshot, readonly WeftError[]>, reason: string): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>> => {
    if (!parsed.ok) {
      metrics.snapshotLoads.inc(['rejected']);
      log.warn('snapshot refused; keeping the one in force', { reason, version: gen.snapshot.version, problems: parsed.error });
      return err(parsed.error);
    }
    const built = createGeneration(parsed.value, observe, bindRecorder);
    if (!built.ok) {
      metrics.snapshotLoads.inc(['rejected']);
      log.warn('snapshot refused; keeping the one in force', { reason, version: gen.snapshot.version, problems: built.error });
      return err(built.error);
    }
    const previous = gen.snapshot.version;
    gen = built.value;
    const listenProblems = await reconcile(gen);
    for (const p of listenProblems) log.warn('listener not opened', { error: p.message, where: p.where });
    const closed = tcp.reevaluate(gen.authorizer, (port) => gen.inboundByPort.has(port));
    metrics.snapshotLoads.inc(['applied']);
    log.info('snapshot applied', { reason, previous, version: gen.snapshot.version, tcpClosedByPolicy: closed });
    return ok('applied');
  };
  const reload = (reason: string): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>> => serialized(() => reloadOnce(reason));
  const apply = (value: unknown, reason: string): Promise<Result<'applied' | 'unchanged', readonly WeftError[]>> => serialized(() => applyOnce(value, reason));

  // Watch the directory, not the file: editors and `mv` replace the file, which ends a file watch.
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  if (o.watchSnapshot && snapshotFile !== undefined) {
    const name = basename(snapshotFile);
    try {
      watcher = watch(dirname(snapshotFile), { persistent: false }, (_event, file) => {
        if (file !== null && file !== name) return;
        if (debounce !== undefined) clearTimeout(debounce);
        debounce = setTimeout(() => {
          debounce = undefined;
          void reload('file change');
        }, 100);
      });
      watcher.on('error', (e) => log.warn('snapshot watch failed; SIGHUP still reloads', { error: e.message }));
    } catch (e) {
      log.warn('cannot watch the snapshot file; SIGHUP still reloads', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  const drain = async (deadlineMs: number): Promise<void> => {
    if (draining) return;
    draining = true;
    watcher?.close();
    if (debounce !== undefined) clearTimeout(debounce);
    log.info('draining', { deadlineMs });
    closeAll();
    for (const l of explicit.values()) l.server.close();
    inbound.goAway();
    inbound.h2.closeAll();
    outbound.h2.closeAll();
    const start = performance.now();
    const http1Done = http1.drain(deadlineMs);
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const busy = inbound.h2.activeStreams() + outbound.h2.activeStreams() + tcp.size() + outbound.openTunnels();
        if (busy === 0 || performance.now() - start >= deadlineMs) resolve();
        else setTimeout(tick, 25);
      };
      tick();
    });
    let rest: NodeJS.Timeout | undefined;
    await Promise.race([http1Done, new Promise((r) => (rest = setTimeout(r, Math.max(0, deadlineMs - (performance.now() - start)))))]);
    clearTimeout(rest);
    tcp.closeAll('drain');
    outbound.closeTunnels();
    inbound.close();
    outbound.h2.destroyAll();
    appH2.closeAll();
    peerH2.closeAll();
    peerPool.close();
    appPool.close();
    admin.close();
    admin.closeAllConnections();
    stopRotationLog();
    identity.close();
    o.accessLog.flush();
    log.info('drained');
  };

  log.info('proxy started', { version: gen.snapshot.version, workload: gen.snapshot.workload.spiffeId, admin: adminPort.value, capture: o.capture });
  return ok({
    adminPort: adminPort.value,
    inboundPort,
    outboundPort,
    listeners: () => [...explicit.keys()],
    metrics,
    current,
    reload,
    apply,
    drain,
  });
}
