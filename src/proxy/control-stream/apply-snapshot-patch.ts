/**
 * Applies a `patch` of the control stream to the snapshot a proxy runs on (pure, no I/O). The
 * distributor's `diffSnapshots` produces patches such that applying one to its base gives exactly
 * the new snapshot; anything inconsistent (wrong base, a key upserted twice, removing a service the
 * base does not have) is refused, so the proxy NACKs and the control plane resends a full snapshot.
 * The proxy still validates the result like any snapshot before putting it in force.
 */
import { err, ok, type Result } from '../../core/result.js';
import type { OutboundService, ProxySnapshot } from '../snapshot/proxy-snapshot.js';
import { baseMismatchReason, type OutboundServiceKey, type SnapshotPatch } from './stream-protocol.js';

/** The key of an outbound entry: namespace, name, port (a service appears once per port). */
export function outboundKeyOf(s: OutboundServiceKey): string {
  return `${s.namespace}/${s.name}:${s.port}`;
}

/** The compiler's order of outbound entries: namespace, then name, then port. */
export function compareOutboundKeys(a: OutboundServiceKey, b: OutboundServiceKey): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.port - b.port;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The snapshot after `patch`, with `patch.version`, frozen; the values taken over from the patch
 * are frozen in place (not copied), the unchanged parts of `base` are shared. Refuses (error text
 * starting with `baseMismatchReason`) when `base` is not the patch's base version.
 */
export function applySnapshotPatch(base: ProxySnapshot, patch: SnapshotPatch): Result<ProxySnapshot, string> {
  if (base.version !== patch.base) {
    return err(`${baseMismatchReason}: on version ${base.version}, the patch applies to ${patch.base}`);
  }
  const upsert = patch.upsert ?? [];
  const remove = patch.remove ?? [];
  let services = base.outbound.services;
  if (upsert.length > 0 || remove.length > 0) {
    const present = new Set<string>();
    for (const s of services) present.add(outboundKeyOf(s));
    const touched = new Set<string>();
    for (const s of upsert) {
      const key = outboundKeyOf(s);
      if (touched.has(key)) return err(`the patch upserts ${key} twice`);
      touched.add(key);
    }
    for (const r of remove) {
      const key = outboundKeyOf(r);
      if (touched.has(key)) return err(`the patch both upserts and removes ${key}`);
      if (!present.has(key)) return err(`the patch removes ${key}, which version ${base.version} does not have`);
      touched.add(key);
    }
    const kept = services.filter((s) => !touched.has(outboundKeyOf(s)));
    const added = [...upsert].sort(compareOutboundKeys).map((s) => deepFreeze(s));
    services = Object.freeze(mergeSorted(kept, added));
  }
  return ok(Object.freeze({
    version: patch.version,
    workload: patch.workload !== undefined ? deepFreeze(patch.workload) : base.workload,
    mesh: patch.mesh !== undefined ? deepFreeze(patch.mesh) : base.mesh,
    inbound: patch.inbound !== undefined ? deepFreeze(patch.inbound) : base.inbound,
    outbound: services === base.outbound.services && patch.outboundAccessLog === undefined
      ? base.outbound
      : Object.freeze({ services, accessLog: patch.outboundAccessLog ?? base.outbound.accessLog }),
  }));
}

/** Merges two lists sorted by key; `a` keeps its relative order (a base out of order stays so). */
function mergeSorted(a: readonly OutboundService[], b: readonly OutboundService[]): OutboundService[] {
  const out: OutboundService[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as OutboundService;
    const y = b[j] as OutboundService;
    if (compareOutboundKeys(y, x) < 0) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
    }
  }
  while (i < a.length) out.push(a[i++] as OutboundService);
  while (j < b.length) out.push(b[j++] as OutboundService);
  return out;
}
