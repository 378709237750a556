/**
 * Starts the control plane in this process: the store under `<home>/store`, the admin token, and
 * the API. Everything it needs is passed in (no environment reads here; `main.ts` does those).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createResourceValidator } from '../api/validate.js';
import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import { weftError, type WeftError } from '../core/errors.js';
import { ensureAdminToken } from './api/admin-token.js';
import { createApiServer } from './api/api-server.js';
import { openFileStore } from './store/create-file-store.js';
import type { ResourceStore } from './store/resource-store.js';

export interface ControlPlaneOptions {
  /** `$WEFT_HOME`: store, admin token (and later CA material) live here. */
  readonly home: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly clock: Clock;
}

export interface RunningControlPlane {
  readonly address: AddressInfo;
  readonly store: ResourceStore;
  /** True when opening the store cut off a torn, never-acknowledged write (after a crash). */
  readonly repairedTornWrite: boolean;
  close(): Promise<void>;
}

/** Opens the store and starts the API. Errors: the store's (WEFT_STORE_*) or a listen failure (WEFT_CONTROL_UNAVAILABLE). */
export async function startControlPlane(options: ControlPlaneOptions): Promise<Result<RunningControlPlane, WeftError>> {
  let adminToken: string;
  try {
    mkdirSync(options.home, { recursive: true, mode: 0o700 });
    adminToken = ensureAdminToken(options.home);
  } catch (e) {
    return err(weftError('WEFT_STORE_IO', `cannot prepare ${options.home}: ${e instanceof Error ? e.message : 'unknown error'}`));
  }
  const validator = createResourceValidator();
  const opened = openFileStore({ dir: join(options.home, 'store'), validator, clock: options.clock });
  if (!opened.ok) return err(weftError(opened.error.code, opened.error.message, join(options.home, 'store')));
  const { store } = opened.value;
  const api = createApiServer({ store, validator, adminToken });
  let address: AddressInfo;
  try {
    address = await api.listen(options.host, options.port);
  } catch (e) {
    await store.close();
    return err(weftError('WEFT_CONTROL_UNAVAILABLE', `cannot listen on ${options.host}:${options.port}: ${e instanceof Error ? e.message : 'unknown error'}`));
  }
  return ok({
    address,
    store,
    repairedTornWrite: opened.value.repairedTornWrite,
    async close() {
      await api.close();
      await store.close();
    },
  });
}
