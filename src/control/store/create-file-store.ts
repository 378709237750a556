/** The embedded store: the store core over the files in `dir` (usually `$WEFT_HOME/store`). */
import type { ResourceValidator } from '../../api/validate.js';
import type { Clock } from '../../core/clock.js';
import { ok, type Result } from '../../core/result.js';
import { openFilePersistence } from './file-persistence.js';
import type { ResourceStore, StoreError } from './resource-store.js';
import { createStoreCore } from './store-core.js';

export interface FileStoreOptions {
  readonly dir: string;
  readonly validator: ResourceValidator;
  readonly clock: Clock;
  readonly compactAfter?: number;
  readonly historyLimit?: number;
}

export interface OpenedStore {
  readonly store: ResourceStore;
  /** True when opening cut off a torn, never-acknowledged last write. */
  readonly repairedTornWrite: boolean;
}

/** Opens the store in `options.dir`, replaying its files. Errors: WEFT_STORE_IO, WEFT_STORE_CORRUPT. */
export function openFileStore(options: FileStoreOptions): Result<OpenedStore, StoreError> {
  const opened = openFilePersistence(options.dir, options.compactAfter !== undefined ? { compactAfter: options.compactAfter } : {});
  if (!opened.ok) return opened;
  const store = createStoreCore({
    validator: options.validator,
    clock: options.clock,
    persistence: opened.value.persistence,
    start: opened.value.start,
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
  });
  return ok({ store, repairedTornWrite: opened.value.repairedTornWrite });
}
