/**
 * A generation: everything the proxy derives from one snapshot, built once when the snapshot is applied
 * (lookup maps, compiled authorization, endpoint pickers). Connections and requests read the generation
 * in force when they start, so a reload is atomic for them.
 */
import type { WeftError } from '../../core/errors.js';
import { ok, type Result } from '../../core/result.js';
import type { Endpoint, InboundPort, OutboundService, ProxySnapshot } from '../snapshot/proxy-snapshot.js';
import { createOutboundServiceRuntime, type OutboundServiceRuntime as Http1ServiceRuntime, type OutboundServiceRuntimeOptions } from '../http1/outbound-service-runtime.js';
import { createInboundAuthorizer, type DecisionObserver, type InboundAuthorizer } from './inbound-authorizer.js';

export interface InboundPortRuntime {
  readonly config: InboundPort;
  readonly appAddress: string;
  readonly appPort: number;
}

export interface OutboundServiceRuntime {
  readonly service: OutboundService;
  /** `name.namespace:port`, for logs and metrics. */
  readonly label: string;
  readonly identities: ReadonlySet<string>;
  /** The HTTP/1.1 engine's view of the service (pool targets, round-robin cursor). */
  readonly http1: Http1ServiceRuntime;
  /** The next ready endpoint (round robin), or undefined when none is ready. */
  pickEndpoint(): Endpoint | undefined;
}

export interface Generation {
  readonly snapshot: ProxySnapshot;
  readonly inboundByPort: ReadonlyMap<number, InboundPortRuntime>;
  readonly servicesByVip: ReadonlyMap<string, OutboundServiceRuntime>;
  readonly services: readonly OutboundServiceRuntime[];
  /** Explicit outbound listeners: `address:port` → service. */
  readonly servicesByListen: ReadonlyMap<string, OutboundServiceRuntime>;
  /** Explicit inbound listeners: `address:port` → application port. */
  readonly inboundByListen: ReadonlyMap<string, number>;
  readonly authorizer: InboundAuthorizer;
}

/** Binds an HTTP/1.1 request recorder (metrics) and access log for a service, once per generation. */
export type RecorderBinder = (service: OutboundService, snapshot: ProxySnapshot) => OutboundServiceRuntimeOptions;

function serviceRuntime(service: OutboundService, snapshot: ProxySnapshot, bind: RecorderBinder | undefined): OutboundServiceRuntime {
  const ready = service.endpoints.filter((e) => e.ready);
  let next = 0;
  return {
    service,
    label: `${service.name}.${service.namespace}:${service.port}`,
    identities: new Set(service.identities),
    http1: createOutboundServiceRuntime(service, bind?.(service, snapshot) ?? {}),
    pickEndpoint() {
      if (ready.length === 0) return undefined;
      const e = ready[next % ready.length];
      next = (next + 1) % ready.length;
      return e;
    },
  };
}

/** Builds the generation for a validated snapshot; fails when its policies cannot be compiled. */
export function createGeneration(snapshot: ProxySnapshot, observe?: DecisionObserver, bindRecorder?: RecorderBinder): Result<Generation, readonly WeftError[]> {
  const authorizer = createInboundAuthorizer(snapshot, observe);
  if (!authorizer.ok) return authorizer;
  const inboundByPort = new Map<number, InboundPortRuntime>();
  for (const p of snapshot.inbound.ports) {
    inboundByPort.set(p.port, { config: p, appAddress: p.appAddress ?? '127.0.0.1', appPort: p.port });
  }
  const services = snapshot.outbound.services.map((svc) => serviceRuntime(svc, snapshot, bindRecorder));
  const servicesByVip = new Map<string, OutboundServiceRuntime>();
  for (const s of services) if (s.service.vip !== undefined) servicesByVip.set(`${s.service.vip}:${s.service.port}`, s);
  const servicesByListen = new Map<string, OutboundServiceRuntime>();
  for (const s of services) {
    if (s.service.listenPort !== undefined) servicesByListen.set(`${s.service.listenAddress ?? '127.0.0.1'}:${s.service.listenPort}`, s);
  }
  const inboundByListen = new Map<string, number>();
  for (const p of snapshot.inbound.ports) {
    if (p.listenPort !== undefined) inboundByListen.set(`${p.listenAddress ?? '0.0.0.0'}:${p.listenPort}`, p.port);
  }
  return ok({ snapshot, inboundByPort, servicesByVip, services, servicesByListen, inboundByListen, authorizer: authorizer.value });
}
