/**
 * An admin server opened before the proxy has everything it needs to start (control mode: waiting for
 * its certificate and first snapshot), so that `/ready` answers "not ready" on the admin port meanwhile
 * and `/stats` shows why. The running proxy then takes it over with its own sources.
 */
import type { Server } from 'node:http';
import { weftError, type WeftError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { createAdminServer, type AdminSources } from '../admin/admin-server.js';

export interface AdminSlot {
  readonly server: Server;
  readonly port: number;
  /** Replaces what the endpoints answer. */
  use(sources: AdminSources): void;
}

/** Listens on `host:port` (0 picks one) answering from `initial` until `use` is called. */
export function openAdminSlot(host: string, port: number, initial: AdminSources): Promise<Result<AdminSlot, WeftError>> {
  let sources = initial;
  const server = createAdminServer({
    ready: () => sources.ready(),
    metrics: () => sources.metrics(),
    config: () => sources.config(),
    stats: () => sources.stats(),
  });
  return new Promise((resolve) => {
    const onError = (e: Error): void => resolve(err(weftError('WEFT_RUNTIME_UNAVAILABLE', `cannot listen on ${host}:${port}: ${e.message}`, `${host}:${port}`)));
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(ok({
        server,
        port: typeof a === 'object' && a !== null ? a.port : port,
        use: (next) => void (sources = next),
      }));
    });
  });
}
