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
import { durationToMs } from '../api/duration.js';
import type { ResourceOf } from '../api/resource.js';
import { ensureAdminToken } from './api/admin-token.js';
import { createApiServer } from './api/api-server.js';
import { startCa, type RunningCa } from './ca/start-ca.js';
import { DEFAULT_WORKLOAD_LIFETIME_MS } from './ca/sign-workload-csr.js';
import { startDistribution, type RunningDistribution } from './distributor/start-distribution.js';
import { createRegistry } from './registry/registry.js';
import { createRegistryPersister, readRegistryFile } from './registry/registry-file.js';
import { openFileStore } from './store/create-file-store.js';
import type { ResourceStore } from './store/resource-store.js';

export interface ControlPlaneOptions {
  /** `$WEFT_HOME`: store, admin token (and later CA material) live here. */
  readonly home: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly clock: Clock;
  /** Workload certificate lifetime overriding the Mesh's `certificateLifetime` (tests: seconds). */
  readonly certificateLifetimeMs?: number;
  /** Where proxies' streams connect (HTTP/2 over mTLS); default the API's host, port 15012 (0 when the API's port is 0). */
  readonly distributorHost?: string;
  readonly distributorPort?: number;
  /** Something went wrong that does not stop the control plane (a registry file that cannot be written). */
  readonly onWarning?: (message: string) => void;
}

/** The distributor's default port (as Istio's xDS over TLS). */
export const defaultDistributorPort = 15012;

export interface RunningControlPlane {
  readonly address: AddressInfo;
  readonly store: ResourceStore;
  readonly ca: RunningCa;
  /** The distributor and its mTLS stream server (`distribution.address`). */
  readonly distribution: RunningDistribution;
  /** True when opening the store cut off a torn, never-acknowledged write (after a crash). */
  readonly repairedTornWrite: boolean;
  /** What was wrong at start and did not stop it (a torn or corrupt registry file: started empty). */
  readonly warnings: readonly string[];
  /** How many registry instances were restored from `<home>/registry.json`. */
  readonly restoredInstances: number;
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
  // --- CA (helper ca): root under <home>/ca, bootstrap tokens, POST /api/v1/certificates, /api/v1/tokens.
  const meshOf = async (): Promise<ResourceOf<'Mesh'> | undefined> => {
    const listed = await store.list({ kind: 'Mesh' });
    const meshes = listed.ok ? (listed.value.items as ResourceOf<'Mesh'>[]) : [];
    return meshes.find((m) => m.metadata.name === 'default') ?? meshes[0];
  };
  const workloadLifetimeMs = async (): Promise<number> => options.certificateLifetimeMs ?? durationToMs((await meshOf())?.spec.certificateLifetime ?? '') ?? DEFAULT_WORKLOAD_LIFETIME_MS;
  const ca = await startCa({
    home: options.home,
    trustDomain: (await meshOf())?.spec.trustDomain ?? 'cluster.local',
    clock: options.clock,
    adminToken,
    lifetimeMs: workloadLifetimeMs,
  });
  if (!ca.ok) {
    await store.close();
    return err(ca.error);
  }
  // --- Registry, restored from <home>/registry.json with fresh leases: a restarted control plane
  // compiles the world it had, so reconnecting proxies get the version they run (registry-file.ts).
  const registryPath = join(options.home, 'registry.json');
  const loaded = readRegistryFile(registryPath);
  const persister = createRegistryPersister({
    path: registryPath,
    snapshot: () => registry.snapshot(),
    ...(options.onWarning !== undefined ? { onError: options.onWarning } : {}),
  });
  let restoring = true; // what was just read need not be written back
  const registry = createRegistry({ clock: options.clock, onChange: () => { if (!restoring) persister.changed(); } });
  for (const instance of loaded.instances) registry.register(instance);
  restoring = false;
  // --- Distribution: registry + distributor + HTTP/2 mTLS server (serving certificate from the CA).
  const distribution = await startDistribution({
    registry,
    store,
    signer: ca.value.state.signer,
    trustBundlePem: ca.value.state.bundle.pem,
    host: options.distributorHost ?? options.host,
    port: options.distributorPort ?? (options.port === 0 ? 0 : defaultDistributorPort),
    clock: options.clock,
    workloadCertificateLifetimeMs: workloadLifetimeMs,
  });
  if (!distribution.ok) {
    persister.close();
    await store.close();
    return err(distribution.error);
  }
  const api = createApiServer({ store, validator, adminToken, routes: [ca.value.routes, distribution.value.routes] });
  let address: AddressInfo;
  try {
    address = await api.listen(options.host, options.port);
  } catch (e) {
    await distribution.value.close();
    persister.close();
    await store.close();
    return err(weftError('WEFT_CONTROL_UNAVAILABLE', `cannot listen on ${options.host}:${options.port}: ${e instanceof Error ? e.message : 'unknown error'}`));
  }
  return ok({
    address,
    store,
    ca: ca.value,
    distribution: distribution.value,
    repairedTornWrite: opened.value.repairedTornWrite,
    warnings: loaded.warnings,
    restoredInstances: loaded.instances.length,
    async close() {
      await api.close();
      await distribution.value.close();
      persister.close();
      await store.close();
    },
  });
}
