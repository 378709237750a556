/**
 * The resource store's contract, shared by every implementation (the embedded file store, the
 * in-memory store, later a Kubernetes-backed one); `test/support/store-suite.ts` checks it.
 *
 * Every write is validated with the configuration model: an invalid resource is refused with the
 * validator's problems and nothing changes. Each accepted change gets the next store version
 * (monotonic, also across restarts), written to `metadata.resourceVersion` as a decimal string.
 * Methods resolve to `Result`s; they reject only on bugs.
 */
import type { Problem } from '../../api/problem.js';
import type { Resource } from '../../api/resource.js';
import type { Result } from '../../core/result.js';

export type StoreErrorCode =
  | 'WEFT_CONFIG_INVALID'
  | 'WEFT_STORE_NOT_FOUND'
  | 'WEFT_STORE_CONFLICT'
  | 'WEFT_STORE_VERSION_EXPIRED'
  | 'WEFT_STORE_IO'
  | 'WEFT_STORE_CORRUPT';

export interface StoreError {
  readonly code: StoreErrorCode;
  readonly message: string;
  /** For WEFT_CONFIG_INVALID: every problem the validator found (errors and warnings), with field paths. */
  readonly problems?: readonly Problem[];
}

/** Names one resource. `namespace` is "" for cluster-scoped kinds (Namespace, Mesh). */
export interface ResourceRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface WriteResult {
  /** The stored resource, frozen, with its server-managed metadata (resourceVersion, uid, generation). */
  readonly resource: Resource;
  readonly outcome: ApplyOutcome;
  /** Validator warnings: the resource was stored, but may not do what was meant. */
  readonly warnings: readonly Problem[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** The store version this change created. */
  readonly version: number;
  /** The resource after the change (for DELETED: as it was when deleted). */
  readonly resource: Resource;
}

export interface ListOptions {
  readonly kind?: string;
  readonly namespace?: string;
}

export interface ListResult {
  /** Sorted by kind, namespace, name. */
  readonly items: readonly Resource[];
  /** The store version the list reflects; watch from it to see every later change. */
  readonly version: number;
}

export interface StoreWatch {
  cancel(): void;
}

export interface ResourceStore {
  /** Creates a resource; WEFT_STORE_CONFLICT if it exists. */
  create(raw: unknown): Promise<Result<WriteResult, StoreError>>;
  /**
   * Replaces an existing resource; WEFT_STORE_NOT_FOUND if it is absent. When the document carries
   * `metadata.resourceVersion` and it is not the stored one: WEFT_STORE_CONFLICT, nothing changes.
   */
  update(raw: unknown): Promise<Result<WriteResult, StoreError>>;
  /** Creates or updates (same resourceVersion rule as update); a write that changes nothing is `unchanged` and takes no version. */
  apply(raw: unknown): Promise<Result<WriteResult, StoreError>>;
  /** Deletes; `resourceVersion`, when given, must be the stored one. Resolves to the deleted resource. */
  delete(ref: ResourceRef, resourceVersion?: string): Promise<Result<Resource, StoreError>>;
  get(ref: ResourceRef): Promise<Result<Resource, StoreError>>;
  list(options?: ListOptions): Promise<Result<ListResult, StoreError>>;
  /**
   * Calls `onEvent` for every change with a version greater than `afterVersion`, in order: first the
   * remembered past ones (synchronously, before this resolves), then live ones. WEFT_STORE_VERSION_EXPIRED
   * when changes after `afterVersion` are no longer remembered (list again, then watch from its version).
   */
  watch(afterVersion: number, onEvent: (event: WatchEvent) => void): Promise<Result<StoreWatch, StoreError>>;
  /** The version of the last change. */
  version(): number;
  close(): Promise<void>;
}
