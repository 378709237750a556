/**
 * Starts distribution beside the API: the distributor over the store and a registry, and its
 * HTTP/2 mTLS server with a serving certificate for spiffe://<td>/ns/weft-system/sa/weft-control
 * issued by the mesh CA and renewed at two-thirds of its life (new connections get the new one;
 * open streams keep theirs). Returns the API routes that show proxies and their snapshots.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../core/clock.js';
import { err, ok, type Result } from '../../core/result.js';
import { weftError, type WeftError } from '../../core/errors.js';
import { createWorkloadKeyAndCsr } from '../../proxy/tls/csr.js';
import type { CaSigner } from '../ca/ca-signer.js';
import { signWorkloadCsr } from '../ca/sign-workload-csr.js';
import { createRegistry, type Registry } from '../registry/registry.js';
import type { ResourceStore } from '../store/resource-store.js';
import { createDistributor, type Distributor } from './distributor.js';
import { createDistributorServer } from './distributor-server.js';
import { createProxyRoutes } from './proxy-routes.js';

export interface DistributionOptions {
  readonly store: ResourceStore;
  readonly signer: CaSigner;
  /** The trust bundle proxies' certificates are checked against (PEM; may hold two roots during rotation). */
  readonly trustBundlePem: string;
  readonly host: string;
  readonly port: number;
  readonly clock: Clock;
  /** Serving certificate lifetime; default 24 h. */
  readonly certificateLifetimeMs?: number;
  readonly debounceMs?: number;
  /** The workload certificate lifetime in force, shown with the proxies (for `weft check`). */
  readonly workloadCertificateLifetimeMs?: () => Promise<number>;
  /** The registry to distribute (the control plane's, restored from disk); default a new empty one. */
  readonly registry?: Registry;
}

export interface RunningDistribution {
  readonly address: AddressInfo;
  readonly distributor: Distributor;
  readonly registry: Registry;
  readonly routes: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  close(): Promise<void>;
}

interface ServingMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

async function issueServing(options: DistributionOptions): Promise<Result<ServingMaterial, WeftError>> {
  const id = `spiffe://${options.signer.trustDomain}/ns/weft-system/sa/weft-control`;
  const csr = await createWorkloadKeyAndCsr(id);
  if (!csr.ok) return err(csr.error);
  const issued = await signWorkloadCsr(options.signer, csr.value.csrPem, id, { clock: options.clock, ...(options.certificateLifetimeMs !== undefined ? { lifetimeMs: options.certificateLifetimeMs } : {}) });
  if (!issued.ok) return err(issued.error);
  return ok({ certPem: issued.value.chainPem, keyPem: csr.value.keyPem, notBefore: issued.value.notBefore, notAfter: issued.value.notAfter });
}

export async function startDistribution(options: DistributionOptions): Promise<Result<RunningDistribution, WeftError>> {
  const serving = await issueServing(options);
  if (!serving.ok) return serving;
  const registry = options.registry ?? createRegistry({ clock: options.clock });
  const distributor = createDistributor({ store: options.store, registry, ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}) });
  const started = await distributor.start();
  if (!started.ok) {
    distributor.close();
    return err(weftError(started.error.code, started.error.message));
  }
  const server = createDistributorServer({ distributor, certPem: serving.value.certPem, keyPem: serving.value.keyPem, caPem: options.trustBundlePem });
  let address: AddressInfo;
  try {
    address = await server.listen(options.host, options.port);
  } catch (e) {
    distributor.close();
    return err(weftError('WEFT_CONTROL_UNAVAILABLE', `cannot listen on ${options.host}:${options.port}: ${e instanceof Error ? e.message : 'unknown error'}`));
  }
  let timer: NodeJS.Timeout | undefined;
  const renewAt = (m: ServingMaterial): void => {
    const delay = Math.max(1000, m.notBefore + ((m.notAfter - m.notBefore) * 2) / 3 - options.clock.now());
    timer = setTimeout(() => {
      void issueServing(options).then((next) => {
        if (next.ok) {
          server.server.setSecureContext({ key: next.value.keyPem, cert: next.value.certPem, ca: options.trustBundlePem });
          renewAt(next.value);
        } else {
          renewAt({ ...m, notBefore: options.clock.now(), notAfter: options.clock.now() + 30_000 }); // retry soon
        }
      });
    }, delay);
    timer.unref();
  };
  renewAt(serving.value);
  return ok({
    address,
    distributor,
    registry,
    routes: createProxyRoutes(distributor, options.workloadCertificateLifetimeMs !== undefined ? { certificateLifetimeMs: options.workloadCertificateLifetimeMs } : {}),
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      distributor.close();
      await server.close();
    },
  });
}
