/**
 * An instance's inbound ports: the ports it registered, the ports of its Workload resource, and the
 * target ports of the Services that select it. Protocol: the instance's or Workload's declared one
 * when not `detect`, else what a selecting Service says (appProtocol or port name), else `detect`.
 * A registered `dialPort` becomes the port's explicit inbound listener (loopback setups).
 */
import type { ResourceOf } from '../../api/resource.js';
import type { InboundPort, PortProtocol } from '../../proxy/snapshot/proxy-snapshot.js';
import type { RegisteredInstance } from '../registry/registry.js';
import { servicePortProtocol } from './port-protocol.js';
import type { SelectingService } from './service-index.js';

export function inboundPorts(instance: RegisteredInstance, workload: ResourceOf<'Workload'> | undefined, selecting: readonly SelectingService[]): InboundPort[] {
  const ports = new Map<number, { protocol: PortProtocol; listenPort?: number }>();
  const offer = (port: number, protocol: PortProtocol): void => {
    const seen = ports.get(port);
    if (seen === undefined) ports.set(port, { protocol });
    else if (seen.protocol === 'detect' && protocol !== 'detect') seen.protocol = protocol;
  };
  for (const p of instance.ports) {
    offer(p.port, p.protocol);
    const entry = ports.get(p.port);
    if (entry !== undefined && p.dialPort !== undefined && p.dialPort !== p.port) entry.listenPort = p.dialPort;
  }
  for (const p of workload?.spec.ports ?? []) offer(p.port, p.protocol ?? 'detect');
  // Services in world order, so a conflict between two Services' protocols resolves the same way every time.
  for (const s of selecting) {
    const sp = s.service.spec.ports?.find((p) => p.port === s.servicePort);
    offer(s.targetPort, sp !== undefined ? servicePortProtocol(sp) : 'detect');
  }
  return [...ports.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, p]) => Object.freeze({ port, protocol: p.protocol, ...(p.listenPort !== undefined ? { listenPort: p.listenPort } : {}) }));
}
