/** One change as the store persists it: a put (create or update) or a delete, with its version. */
import type { Resource } from '../../api/resource.js';

export interface StoreRecord {
  readonly version: number;
  readonly op: 'put' | 'delete';
  /** For put: the resource as stored; for delete: as it was when deleted. */
  readonly resource: Resource;
}

/** What a store starts from: a base state (all changes up to `version`) and the changes after it, in order. */
export interface StoreStart {
  readonly baseVersion: number;
  readonly baseResources: readonly Resource[];
  readonly records: readonly StoreRecord[];
}
