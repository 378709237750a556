/**
 * The store's state machine, the same for every embedded store: validation, versions, optimistic
 * concurrency, apply outcomes, watch history and watchers. Durability is delegated to a
 * `StorePersistence`, which must have made a change durable before `append` returns: only then is
 * the change applied in memory and acknowledged (so a crash never loses an acknowledged write and
 * never shows an unacknowledged one as done).
 */
import { randomUUID } from 'node:crypto';
import { deepFreeze } from '../../api/deep-freeze.js';
import type { Resource } from '../../api/resource.js';
import type { ResourceValidator } from '../../api/validate.js';
import type { Clock } from '../../core/clock.js';
import { err, ok, type Result } from '../../core/result.js';
import { canonicalJson } from '../shared/canonical-json.js';
import type { ResourceRef, ResourceStore, StoreError, WatchEvent, WriteResult } from './resource-store.js';
import { describeRef, refKey, refOf } from './resource-ref.js';
import type { StoreRecord, StoreStart } from './store-record.js';

export interface StorePersistence {
  /** Makes one change durable. An error leaves the store unchanged and the write refused. */
  append(record: StoreRecord): Result<void, StoreError>;
  /** Called after each change with the live state; may compact (never fails the write that triggered it). */
  afterChange(version: number, live: () => readonly Resource[]): void;
  close(): void;
}

export interface StoreCoreOptions {
  readonly validator: ResourceValidator;
  readonly clock: Clock;
  readonly persistence: StorePersistence;
  readonly start: StoreStart;
  /** How many past changes a watch can start from; default 10,000. */
  readonly historyLimit?: number;
  readonly newUid?: () => string;
}

type WriteMode = 'create' | 'update' | 'apply';

const serverFields = ['resourceVersion', 'uid', 'creationTimestamp', 'generation'] as const;

/** The resource without server-managed metadata, as canonical JSON: equal texts mean "unchanged". */
function userContent(resource: Resource): string {
  const metadata: Record<string, unknown> = { ...resource.metadata };
  for (const f of serverFields) delete metadata[f];
  return canonicalJson({ ...resource, metadata });
}

function storeError(code: StoreError['code'], message: string): StoreError {
  return { code, message };
}

/** Builds a store over a persistence, starting from a loaded state. */
export function createStoreCore(options: StoreCoreOptions): ResourceStore {
  const { validator, clock, persistence } = options;
  const historyLimit = options.historyLimit ?? 10_000;
  const newUid = options.newUid ?? randomUUID;
  const live = new Map<string, Resource>();
  const history: WatchEvent[] = [];
  const watchers = new Set<(event: WatchEvent) => void>();
  let version = options.start.baseVersion;
  // Every change with a version above this one is in `history`.
  let historyBase = options.start.baseVersion;
  let closed = false;

  for (const r of options.start.baseResources) live.set(refKey(refOf(r)), r);
  for (const record of options.start.records) remember(record);

  function remember(record: StoreRecord): WatchEvent {
    const key = refKey(refOf(record.resource));
    const existed = live.has(key);
    if (record.op === 'put') live.set(key, record.resource);
    else live.delete(key);
    version = record.version;
    const event: WatchEvent = { type: record.op === 'delete' ? 'DELETED' : existed ? 'MODIFIED' : 'ADDED', version: record.version, resource: record.resource };
    history.push(event);
    if (history.length > historyLimit) {
      const dropped = history.splice(0, history.length - historyLimit);
      historyBase = dropped[dropped.length - 1]?.version ?? historyBase;
    }
    return event;
  }

  function commit(record: StoreRecord): Result<void, StoreError> {
    const written = persistence.append(record);
    if (!written.ok) return written;
    const event = remember(record);
    for (const w of [...watchers]) {
      try {
        w(event);
      } catch {
        // A watcher that throws is a bug in the watcher; it must not break the store or other watchers.
        watchers.delete(w);
      }
    }
    persistence.afterChange(version, () => [...live.values()]);
    return ok(undefined);
  }

  function write(raw: unknown, mode: WriteMode): Result<WriteResult, StoreError> {
    if (closed) return err(storeError('WEFT_STORE_IO', 'the store is closed'));
    const validated = validator.validate(raw);
    if (!validated.ok) {
      const errors = validated.error.filter((p) => p.severity === 'error').length;
      return err({ code: 'WEFT_CONFIG_INVALID', message: `the resource is invalid (${errors} ${errors === 1 ? 'error' : 'errors'})`, problems: validated.error });
    }
    const { resource, warnings } = validated.value;
    const ref = refOf(resource);
    const key = refKey(ref);
    const existing = live.get(key);
    const given = resource.metadata.resourceVersion;
    if (mode === 'create' && existing !== undefined) return err(storeError('WEFT_STORE_CONFLICT', `${describeRef(ref)} already exists`));
    if (mode === 'update' && existing === undefined) return err(storeError('WEFT_STORE_NOT_FOUND', `${describeRef(ref)} does not exist`));
    if (given !== undefined && given !== '' && given !== existing?.metadata.resourceVersion) {
      const now = existing === undefined ? 'it does not exist' : `it is at resourceVersion ${existing.metadata.resourceVersion ?? '?'}`;
      return err(storeError('WEFT_STORE_CONFLICT', `${describeRef(ref)} was changed since resourceVersion ${given} was read: ${now}; read it again and retry`));
    }
    if (existing !== undefined && userContent(existing) === userContent(resource)) return ok({ resource: existing, outcome: 'unchanged', warnings });
    const next = version + 1;
    const metadata = {
      ...resource.metadata,
      resourceVersion: String(next),
      uid: existing?.metadata.uid ?? newUid(),
      creationTimestamp: existing?.metadata.creationTimestamp ?? new Date(clock.now()).toISOString(),
      generation: (existing?.metadata.generation ?? 0) + 1,
    };
    const stored = deepFreeze({ ...resource, metadata });
    const committed = commit({ version: next, op: 'put', resource: stored });
    if (!committed.ok) return committed;
    return ok({ resource: stored, outcome: existing === undefined ? 'created' : 'configured', warnings });
  }

  return {
    create: (raw) => Promise.resolve(write(raw, 'create')),
    update: (raw) => Promise.resolve(write(raw, 'update')),
    apply: (raw) => Promise.resolve(write(raw, 'apply')),
    delete(ref: ResourceRef, resourceVersion?: string) {
      if (closed) return Promise.resolve(err(storeError('WEFT_STORE_IO', 'the store is closed')));
      const existing = live.get(refKey(ref));
      if (existing === undefined) return Promise.resolve(err(storeError('WEFT_STORE_NOT_FOUND', `${describeRef(ref)} does not exist`)));
      if (resourceVersion !== undefined && resourceVersion !== existing.metadata.resourceVersion) {
        return Promise.resolve(err(storeError('WEFT_STORE_CONFLICT', `${describeRef(ref)} is at resourceVersion ${existing.metadata.resourceVersion ?? '?'}, not ${resourceVersion}`)));
      }
      const committed = commit({ version: version + 1, op: 'delete', resource: existing });
      return Promise.resolve(committed.ok ? ok(existing) : committed);
    },
    get(ref) {
      const found = live.get(refKey(ref));
      return Promise.resolve(found !== undefined ? ok(found) : err(storeError('WEFT_STORE_NOT_FOUND', `${describeRef(ref)} does not exist`)));
    },
    list(listOptions = {}) {
      const items = [...live.entries()]
        .filter(([, r]) => {
          const ref = refOf(r);
          return (listOptions.kind === undefined || ref.kind === listOptions.kind) && (listOptions.namespace === undefined || ref.namespace === listOptions.namespace);
        })
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, r]) => r);
      return Promise.resolve(ok({ items, version }));
    },
    watch(afterVersion, onEvent) {
      if (afterVersion < historyBase) {
        return Promise.resolve(err(storeError('WEFT_STORE_VERSION_EXPIRED', `changes after version ${afterVersion} are no longer remembered (oldest: after ${historyBase}); list again and watch from its version`)));
      }
      for (const event of history) if (event.version > afterVersion) onEvent(event);
      const listener = (event: WatchEvent): void => {
        if (event.version > afterVersion) onEvent(event);
      };
      watchers.add(listener);
      return Promise.resolve(ok({ cancel: () => watchers.delete(listener) }));
    },
    version: () => version,
    close() {
      if (!closed) {
        closed = true;
        watchers.clear();
        persistence.close();
      }
      return Promise.resolve();
    },
  };
}
