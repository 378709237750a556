/** A store that keeps everything in memory: the same core and contract as the file store, for tests and simulations. */
import type { ResourceValidator } from '../../api/validate.js';
import type { Clock } from '../../core/clock.js';
import { ok } from '../../core/result.js';
import type { ResourceStore } from './resource-store.js';
import { createStoreCore } from './store-core.js';

export function createMemoryStore(options: { readonly validator: ResourceValidator; readonly clock: Clock; readonly historyLimit?: number }): ResourceStore {
  return createStoreCore({
    validator: options.validator,
    clock: options.clock,
    persistence: { append: () => ok(undefined), afterChange: () => undefined, close: () => undefined },
    start: { baseVersion: 0, baseResources: [], records: [] },
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
  });
}
