/** Checks of Service, Gateway and Workload beyond their schemas. */
import type { Gateway } from '../kinds/gateway.js';
import type { Service } from '../kinds/service.js';
import type { Workload } from '../kinds/workload.js';
import { problem, type Problem } from '../problem.js';
import type { DeepReadonly } from '../resource.js';
import { duplicates } from './check-kit.js';

export function checkService(service: DeepReadonly<Service>): Problem[] {
  const out: Problem[] = [];
  const ports = service.spec.ports ?? [];
  if (ports.length > 1) {
    ports.forEach((p, i) => {
      if (p.name === undefined) out.push(problem(`spec.ports[${i}].name`, 'required when the Service has more than one port'));
    });
  }
  duplicates(out, ports, (p) => p.name, (i) => `spec.ports[${i}].name`, 'port name');
  duplicates(out, ports, (p) => `${p.port}/${p.protocol ?? 'TCP'}`, (i) => `spec.ports[${i}].port`, 'port');
  if (service.spec.type === 'ExternalName' && service.spec.externalName === undefined) {
    out.push(problem('spec.externalName', 'required when type is ExternalName'));
  }
  return out;
}

export function checkGateway(gateway: DeepReadonly<Gateway>): Problem[] {
  const out: Problem[] = [];
  const listeners = gateway.spec.listeners;
  duplicates(out, listeners, (l) => l.name, (i) => `spec.listeners[${i}].name`, 'listener name');
  duplicates(out, listeners, (l) => `${l.port}/${l.protocol}/${l.hostname ?? '*'}`, (i) => `spec.listeners[${i}]`, 'port, protocol and hostname');
  listeners.forEach((l, i) => {
    const terminates = l.protocol === 'HTTPS' || (l.protocol === 'TLS' && (l.tls?.mode ?? 'Terminate') === 'Terminate');
    if (terminates && (l.tls?.certificateRefs ?? []).length === 0) {
      out.push(problem(`spec.listeners[${i}].tls.certificateRefs`, `required for a ${l.protocol} listener that terminates TLS`));
    }
    if ((l.protocol === 'HTTP' || l.protocol === 'TCP') && l.tls !== undefined) {
      out.push(problem(`spec.listeners[${i}].tls`, `must not be set for a ${l.protocol} listener`));
    }
  });
  return out;
}

export function checkWorkload(workload: DeepReadonly<Workload>): Problem[] {
  const out: Problem[] = [];
  const { spec } = workload;
  const ports = spec.ports ?? [];
  duplicates(out, ports, (p) => String(p.port), (i) => `spec.ports[${i}].port`, 'port');
  duplicates(out, ports, (p) => p.name, (i) => `spec.ports[${i}].name`, 'port name');
  duplicates(out, spec.env ?? [], (e) => e.name, (i) => `spec.env[${i}].name`, 'variable');
  duplicates(out, spec.reachableServices ?? [], (r) => (r.includes('.') ? r : `${r}.${workload.metadata.namespace ?? 'default'}`), (i) => `spec.reachableServices[${i}]`, 'service');
  const probe = spec.readinessProbe;
  const probePort = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
  if (probePort !== undefined && ports.length > 0 && !ports.some((p) => p.port === probePort)) {
    const field = probe?.httpGet !== undefined ? 'httpGet' : 'tcpSocket';
    out.push(problem(`spec.readinessProbe.${field}.port`, `${probePort} is not one of the workload's ports`, 'warning'));
  }
  if (Object.keys(workload.metadata.labels ?? {}).length === 0) {
    out.push(problem('metadata.labels', 'the workload has no labels, so no Service can select it', 'warning'));
  }
  return out;
}
