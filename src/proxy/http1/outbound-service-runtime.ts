/**
 * What the engine needs per outbound service, built by the shell whenever a snapshot is applied:
 * the ready endpoints as pool targets (keys precomputed), the pre-bound metrics edge, and a
 * round-robin cursor. Load balancing beyond round robin comes with the next data-plane issue and
 * replaces `pickTarget` only.
 */
import type { OutboundService } from '../snapshot/proxy-snapshot.js';
import type { AccessLog } from '../telemetry/index.js';
import { createTlsTarget, type UpstreamTarget } from '../pool/upstream-target.js';
import type { RequestRecorder } from './engine-types.js';

export interface OutboundServiceRuntime {
  readonly service: OutboundService;
  /** `namespace/name:port`, for messages. */
  readonly label: string;
  /** `name.namespace`, the access log's destination service. */
  readonly serviceName: string;
  readonly targets: readonly UpstreamTarget[];
  readonly recorder: RequestRecorder | undefined;
  readonly accessLog: AccessLog | undefined;
  /** Round-robin cursor (the only mutable field). */
  cursor: number;
}

export interface OutboundServiceRuntimeOptions {
  /** e.g. an adapter over `metrics.bindEdge(outboundEdgeLabels(self, service, 'http'))`. */
  readonly recorder?: RequestRecorder;
  /** The workload's outbound access log, when it is on. */
  readonly accessLog?: AccessLog;
}

/** Builds the runtime view of one service: one mTLS target per ready endpoint, accepting `service.identities`. */
export function createOutboundServiceRuntime(service: OutboundService, options: OutboundServiceRuntimeOptions = {}): OutboundServiceRuntime {
  const targets = service.endpoints.filter((e) => e.ready).map((e) => createTlsTarget(e.address, e.port, service.identities));
  return {
    service,
    label: `${service.namespace}/${service.name}:${service.port}`,
    serviceName: `${service.name}.${service.namespace}`,
    targets,
    recorder: options.recorder,
    accessLog: options.accessLog?.enabled === true ? options.accessLog : undefined,
    cursor: 0,
  };
}

/** The next ready endpoint in round-robin order, or undefined when the service has none. */
export function pickTarget(rt: OutboundServiceRuntime): UpstreamTarget | undefined {
  const n = rt.targets.length;
  if (n === 0) return undefined;
  const i = rt.cursor;
  rt.cursor = i + 1 >= n ? 0 : i + 1;
  return rt.targets[i];
}
