// A simulated-proxy process of the control benchmark: `node dist/bench/control-sim-main.js CONFIG.json`,
// started by the runner with an IPC channel. It holds many simulated proxies (control-sim-proxy.ts),
// each with its own HTTP/2 mTLS session, and answers the runner's commands (control-sim-protocol.ts):
// connect them all, report when every affected proxy has ACKed a version that passes a check, flip
// one instance's readiness. Separate from the control plane's process so that its CPU and memory
// are measured alone.
import { readFileSync } from 'node:fs';
import type { ProxySnapshot } from '../src/proxy/snapshot/proxy-snapshot.js';
import { applySnapshotPatch } from '../src/proxy/control-stream/apply-snapshot-patch.js';
import { createSimProxy, zeroTraffic, type PatchApplier, type SimProxy, type TrafficCounters } from './control-sim-proxy.js';
import type { RunnerToSim, SimConfig, SimToRunner, SnapshotCheck } from './control-sim-protocol.js';

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

function tell(m: SimToRunner): void {
  process.send?.(m);
}

/** Applies a patch as the proxy does (base check, sections, per-service upserts and removals). */
const applyPatch: PatchApplier = (base, patch) => {
  const r = applySnapshotPatch(base, patch);
  return r.ok ? { ok: true, snapshot: r.value } : { ok: false, reason: r.error };
};

function passes(check: SnapshotCheck, p: SimProxy, s: ProxySnapshot | undefined): boolean {
  if (s === undefined) return false;
  switch (check.kind) {
    case 'policy':
      return s.inbound.policies.some((x) => x.namespace === check.namespace && x.name === check.name && JSON.stringify(x.spec).includes(check.marker));
    case 'endpoint': {
      const svc = s.outbound.services.find((x) => x.namespace === check.namespace && x.name === check.service);
      if (svc === undefined) return false;
      return svc.endpoints.some((e) => e.address === check.address && e.ready) === check.present;
    }
    case 'endpointCount': {
      let n = 0;
      for (const x of s.outbound.services) n += x.endpoints.length;
      return n === check.byNamespace[p.registration.namespace];
    }
  }
}

function affects(check: SnapshotCheck, s: ProxySnapshot | undefined): boolean {
  if (check.kind !== 'endpoint') return true;
  return s?.outbound.services.some((x) => x.namespace === check.namespace && x.name === check.service) ?? false;
}

interface Expectation {
  readonly id: number;
  readonly check: SnapshotCheck;
  readonly startedAt: number;
  readonly cpuStart: NodeJS.CpuUsage;
  /** By proxy key: a reconnect replaces the proxy objects, not the proxies the check is about. */
  readonly affected: Set<string>;
  readonly done: Map<string, number>;
  readonly timer: NodeJS.Timeout;
}

function main(): void {
  const configFile = process.argv[2];
  if (configFile === undefined) throw new Error('usage: control-sim-main.js CONFIG.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as SimConfig;
  let traffic: TrafficCounters = zeroTraffic();
  let current: Expectation | undefined;

  const finish = (x: Expectation): void => {
    clearTimeout(x.timer);
    if (current === x) current = undefined;
    let last = Number.NaN;
    const ackTimes: number[] = [];
    for (const t of x.done.values()) {
      ackTimes.push(t);
      if (!(t <= last)) last = t;
    }
    const cpu = process.cpuUsage(x.cpuStart);
    const errors = [...new Set(proxies.flatMap((p) => p.problems))].slice(0, 10);
    tell({
      ev: 'satisfied',
      id: x.id,
      affected: x.affected.size,
      satisfied: x.done.size,
      lastAckAt: last,
      ackTimes,
      traffic: {
        snapshot: { messages: traffic.snapshotMessages, bytes: traffic.snapshotBytes },
        patch: { messages: traffic.patchMessages, bytes: traffic.patchBytes },
        other: { messages: traffic.otherMessages, bytes: traffic.otherBytes },
        reconnects: traffic.reconnects,
      },
      fullSnapshotBytes: [...x.affected].map((k) => byKey.get(k)?.lastSnapshotBytes).filter((b): b is number => b !== undefined),
      nacks: traffic.nacks,
      errors,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssMb: process.memoryUsage.rss() / 2 ** 20,
    });
  };

  const acked = (p: SimProxy, at: number): void => {
    const x = current;
    if (x === undefined || !x.affected.has(p.key) || x.done.has(p.key)) return;
    if (passes(x.check, p, p.snapshot)) {
      x.done.set(p.key, at);
      if (x.done.size === x.affected.size) finish(x);
    }
  };

  const build = (url: string): SimProxy[] => config.registrations.map((registration) => {
    const id = config.identities[registration.namespace];
    if (id === undefined) throw new Error(`no certificate for namespace ${registration.namespace}`);
    return createSimProxy({
      url,
      caPem: config.caPem,
      certPem: id.certPem,
      keyPem: id.keyPem,
      registration,
      windowBytes: config.windowBytes,
      applyPatch,
      traffic: () => traffic,
      acked,
      now,
    });
  });
  const proxies = build(config.url);
  const byKey = new Map(proxies.map((p) => [p.key, p]));

  const connectAll = async (): Promise<void> => {
    const failures: string[] = [];
    const list = proxies;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < list.length) {
        const p = list[next++] as SimProxy;
        try {
          await p.open();
        } catch (e) {
          failures.push(`${p.key}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, config.connectConcurrency) }, () => worker()));
    tell({ ev: 'streams', openedAt: now(), failures: failures.slice(0, 20), firstSnapshotBytes: list.map((p) => p.firstSnapshotBytes).filter((b): b is number => b !== undefined) });
  };

  process.on('message', (raw: unknown) => {
    const m = raw as RunnerToSim;
    switch (m.cmd) {
      case 'connect':
        void connectAll().catch((e: unknown) => tell({ ev: 'failed', message: `connect: ${String(e)}` }));
        return;
      case 'expect': {
        if (current !== undefined) finish(current);
        traffic = zeroTraffic();
        const affected = new Set(proxies.filter((p) => affects(m.check, p.snapshot)).map((p) => p.key));
        const x: Expectation = {
          id: m.id,
          check: m.check,
          startedAt: now(),
          cpuStart: process.cpuUsage(),
          affected,
          done: new Map(),
          timer: setTimeout(() => finish(x), m.timeoutMs),
        };
        current = x;
        tell({ ev: 'expecting', id: m.id, affected: affected.size });
        // A proxy may already be there (nothing to wait for): count it with the time of its last ACK.
        if (m.fresh !== true) for (const p of proxies) if (affected.has(p.key) && passes(m.check, p, p.snapshot)) x.done.set(p.key, x.startedAt);
        if (x.done.size === affected.size) finish(x);
        return;
      }
      case 'ready': {
        const p = byKey.get(m.key);
        if (p === undefined) {
          tell({ ev: 'failed', message: `no simulated proxy ${m.key} here` });
          return;
        }
        p.send(`${JSON.stringify({ type: 'ready', ready: m.ready })}\n`);
        tell({ ev: 'readySent', key: m.key, at: now() });
        return;
      }
      case 'close':
        for (const p of proxies) p.close();
        setTimeout(() => process.exit(0), 200).unref();
        return;
    }
  });
  process.on('disconnect', () => process.exit(0));
  tell({ ev: 'started', proxies: proxies.length });
}

try {
  main();
} catch (e) {
  tell({ ev: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
}
