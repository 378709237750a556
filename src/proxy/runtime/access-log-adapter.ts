/**
 * Bridges the HTTP/1.1 engine's access records and the shell's own (TCP, HTTP/2) to the batched JSON
 * access log of `src/proxy/telemetry/`. Only built when the snapshot turns the log on for a direction.
 */
import type { Clock } from '../../core/clock.js';
import type { HttpAccessLog } from '../http1/engine-types.js';
import type { AccessLog } from '../telemetry/access-log.js';

/** The engine's sink for one direction, writing to `log`. */
export function createHttpAccessLog(log: AccessLog, clock: Clock, destinationService: string | undefined): HttpAccessLog {
  return {
    write(r) {
      log.log({
        startTime: clock.now() - r.durationMs,
        direction: r.direction,
        protocol: 'http',
        method: r.method,
        path: r.path,
        authority: r.host,
        status: r.status,
        durationMs: r.durationMs,
        bytesIn: 0,
        bytesOut: 0,
        sourcePrincipal: r.peer,
        destinationService,
        upstreamAddress: r.upstream,
        traceId: r.traceparent?.slice(3, 35),
        error: r.error,
      });
    },
  };
}
