/**
 * The patch from one snapshot of a proxy to the next (pure): applying it with `applySnapshotPatch`
 * to `old` gives exactly `next`. Sections are compared by identity first (the compiler shares frozen
 * objects between snapshots and compiles), then by content; outbound services per entry, by
 * (namespace, name, port). At 1,000 proxies most of them share their outbound list with others, so
 * the outbound part of a diff is memoized per pair of frozen lists: computed once, and the same
 * `upsert` array (whose JSON the encoder then produces once) goes to every proxy of that pair.
 */
import type { OutboundService, ProxySnapshot } from '../../proxy/snapshot/proxy-snapshot.js';
import { compareOutboundKeys, outboundKeyOf } from '../../proxy/control-stream/apply-snapshot-patch.js';
import type { OutboundServiceKey, SnapshotPatch } from '../../proxy/control-stream/stream-protocol.js';
import { canonicalJson } from '../shared/canonical-json.js';

export interface OutboundDiff {
  readonly upsert: readonly OutboundService[];
  readonly remove: readonly OutboundServiceKey[];
}

// Content keys of frozen values, computed once per object (objects are shared by many snapshots).
const contentKeys = new WeakMap<object, string>();

function contentKeyOf(value: object): string {
  let key = contentKeys.get(value);
  if (key === undefined) {
    key = canonicalJson(value);
    if (Object.isFrozen(value)) contentKeys.set(value, key);
  }
  return key;
}

function sameContent(a: object, b: object): boolean {
  return a === b || contentKeyOf(a) === contentKeyOf(b);
}

// Memo of outbound diffs per pair of frozen lists: old list → (new list → diff).
const outboundDiffs = new WeakMap<readonly OutboundService[], WeakMap<readonly OutboundService[], OutboundDiff>>();

/** The per-entry difference between two outbound lists. */
export function diffOutbound(old: readonly OutboundService[], next: readonly OutboundService[]): OutboundDiff {
  if (old === next) return emptyDiff;
  const memoizable = Object.isFrozen(old) && Object.isFrozen(next);
  const cached = memoizable ? outboundDiffs.get(old)?.get(next) : undefined;
  if (cached !== undefined) return cached;
  const { upsert, remove } = isSorted(old) && isSorted(next) ? walkSorted(old, next) : byKeys(old, next);
  const diff: OutboundDiff = Object.freeze({ upsert: Object.freeze(upsert), remove: Object.freeze(remove) });
  if (memoizable) {
    let inner = outboundDiffs.get(old);
    if (inner === undefined) {
      inner = new WeakMap();
      outboundDiffs.set(old, inner);
    }
    inner.set(next, diff);
  }
  return diff;
}

// Frozen lists known to be in order (a list is the new one of a change, then the old one of the next).
const sortedLists = new WeakSet<readonly OutboundService[]>();

function isSorted(list: readonly OutboundService[]): boolean {
  if (sortedLists.has(list)) return true;
  for (let i = 1; i < list.length; i++) if (compareOutboundKeys(list[i - 1] as OutboundService, list[i] as OutboundService) >= 0) return false;
  if (Object.isFrozen(list)) sortedLists.add(list);
  return true;
}

function keyOnly(s: OutboundService): OutboundServiceKey {
  return Object.freeze({ namespace: s.namespace, name: s.name, port: s.port });
}

/**
 * Both lists in the compiler's order (namespace, name, port; one entry per key): one merge walk,
 * no key strings. At 100 namespaces x 1,000 services a change diffs 100 lists of 1,000 entries.
 */
function walkSorted(old: readonly OutboundService[], next: readonly OutboundService[]): { upsert: OutboundService[]; remove: OutboundServiceKey[] } {
  const upsert: OutboundService[] = [];
  const remove: OutboundServiceKey[] = [];
  let i = 0;
  let j = 0;
  while (i < old.length && j < next.length) {
    const a = old[i] as OutboundService;
    const b = next[j] as OutboundService;
    if (a === b) {
      i++;
      j++;
      continue;
    }
    const order = compareOutboundKeys(a, b);
    if (order === 0) {
      if (!sameContent(a, b)) upsert.push(b);
      i++;
      j++;
    } else if (order < 0) {
      remove.push(keyOnly(a));
      i++;
    } else {
      upsert.push(b);
      j++;
    }
  }
  for (; i < old.length; i++) remove.push(keyOnly(old[i] as OutboundService));
  for (; j < next.length; j++) upsert.push(next[j] as OutboundService);
  return { upsert, remove };
}

/** Any order: by key. */
function byKeys(old: readonly OutboundService[], next: readonly OutboundService[]): { upsert: OutboundService[]; remove: OutboundServiceKey[] } {
  const oldByKey = new Map<string, OutboundService>();
  for (const s of old) oldByKey.set(outboundKeyOf(s), s);
  const upsert: OutboundService[] = [];
  const seen = new Set<string>();
  for (const s of next) {
    const key = outboundKeyOf(s);
    seen.add(key);
    const before = oldByKey.get(key);
    if (before === undefined || !sameContent(before, s)) upsert.push(s);
  }
  const remove: OutboundServiceKey[] = [];
  for (const [key, s] of oldByKey) if (!seen.has(key)) remove.push(keyOnly(s));
  return { upsert, remove };
}

const emptyDiff: OutboundDiff = Object.freeze({ upsert: Object.freeze([]), remove: Object.freeze([]) });

/** The patch that takes a proxy from `old` to `next`; sections that did not change are left out. */
export function diffSnapshots(old: ProxySnapshot, next: ProxySnapshot): SnapshotPatch {
  const outbound = diffOutbound(old.outbound.services, next.outbound.services);
  return {
    base: old.version,
    version: next.version,
    ...(sameContent(old.workload, next.workload) ? {} : { workload: next.workload }),
    ...(sameContent(old.mesh, next.mesh) ? {} : { mesh: next.mesh }),
    ...(sameContent(old.inbound, next.inbound) ? {} : { inbound: next.inbound }),
    ...(old.outbound.accessLog === next.outbound.accessLog ? {} : { outboundAccessLog: next.outbound.accessLog }),
    ...(outbound.upsert.length > 0 ? { upsert: outbound.upsert } : {}),
    ...(outbound.remove.length > 0 ? { remove: outbound.remove } : {}),
  };
}

/**
 * Whether to send `patch` rather than `next` whole. A patch is never larger than the snapshot (it
 * leaves out what did not change; removals are only keys), but when it replaces most of the
 * services anyway, the full snapshot is as small and lets the proxy start afresh: so a patch when
 * it upserts at most one service or at most half of them.
 */
export function patchIsWorthIt(patch: SnapshotPatch, next: ProxySnapshot): boolean {
  const upserts = patch.upsert?.length ?? 0;
  return upserts <= 1 || upserts * 2 <= next.outbound.services.length;
}
