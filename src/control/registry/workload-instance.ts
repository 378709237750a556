/**
 * A workload instance (a "pod") as the registry knows it: registered by its proxy when it connects
 * (universal mode), later from Kubernetes Pods. `parseWorkloadRegistration` is the boundary: a raw
 * registration becomes a frozen value, or every problem with its field path.
 */
import { isIP } from 'node:net';
import { deepFreeze } from '../../api/deep-freeze.js';
import { problem, type Problem } from '../../api/problem.js';
import { err, ok, type Result } from '../../core/result.js';
import type { PortProtocol } from '../../proxy/snapshot/proxy-snapshot.js';
import { isRecord } from '../../core/is-record.js';

export interface InstancePort {
  /** The application's port. */
  readonly port: number;
  readonly name?: string;
  readonly protocol: PortProtocol;
  /** Where peers dial for this port when it is not the port itself (an explicit inbound listener, in loopback setups). */
  readonly dialPort?: number;
}

export interface WorkloadRegistration {
  readonly namespace: string;
  /** The instance's name, unique in its namespace (`web-0`). */
  readonly name: string;
  /** The Workload resource it belongs to, when there is one. */
  readonly workload?: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly zone?: string;
  /** Its addresses (pod IPs); the first is dialled. */
  readonly addresses: readonly string[];
  readonly ports: readonly InstancePort[];
  /** Readiness as last reported (the proxy's readiness probe of its application); absent in a registration: ready (no probe). */
  readonly ready: boolean;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const protocols: readonly PortProtocol[] = ['http', 'http2', 'grpc', 'tcp', 'detect'];

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Validates a registration, collecting every problem. */
export function parseWorkloadRegistration(raw: unknown): Result<WorkloadRegistration, readonly Problem[]> {
  if (!isRecord(raw)) return err([problem('', 'a registration must be an object')]);
  const out: Problem[] = [];
  const { namespace, name, workload, serviceAccount, labels, zone, addresses, ports, ready } = raw;
  if (typeof namespace !== 'string' || !dnsLabel.test(namespace)) out.push(problem('namespace', 'must be a namespace name (a DNS label)'));
  if (typeof name !== 'string' || !dnsSubdomain.test(name)) out.push(problem('name', 'must be a name (lower-case letters, digits, "-" and ".")'));
  if (workload !== undefined && (typeof workload !== 'string' || !dnsSubdomain.test(workload))) out.push(problem('workload', 'must be a Workload name'));
  if (serviceAccount !== undefined && (typeof serviceAccount !== 'string' || !dnsSubdomain.test(serviceAccount))) out.push(problem('serviceAccount', 'must be a service account name'));
  if (labels !== undefined && (!isRecord(labels) || Object.values(labels).some((v) => typeof v !== 'string'))) out.push(problem('labels', 'must map names to strings'));
  if (zone !== undefined && (typeof zone !== 'string' || !dnsLabel.test(zone))) out.push(problem('zone', 'must be a zone name (a DNS label)'));
  if (!Array.isArray(addresses) || addresses.length === 0) out.push(problem('addresses', 'must list at least one IP address'));
  else addresses.forEach((a, i) => { if (typeof a !== 'string' || isIP(a) === 0) out.push(problem(`addresses[${i}]`, 'is not an IP address')); });
  const parsedPorts: InstancePort[] = [];
  if (ports !== undefined && !Array.isArray(ports)) out.push(problem('ports', 'must be a list'));
  else (ports ?? []).forEach((p: unknown, i: number) => {
    if (!isRecord(p)) return out.push(problem(`ports[${i}]`, 'must be an object'));
    if (!isPort(p['port'])) out.push(problem(`ports[${i}].port`, 'must be a port number (1-65535)'));
    if (p['dialPort'] !== undefined && !isPort(p['dialPort'])) out.push(problem(`ports[${i}].dialPort`, 'must be a port number (1-65535)'));
    if (p['name'] !== undefined && typeof p['name'] !== 'string') out.push(problem(`ports[${i}].name`, 'must be a string'));
    const protocol = p['protocol'] ?? 'detect';
    if (!protocols.includes(protocol as PortProtocol)) out.push(problem(`ports[${i}].protocol`, `must be one of ${protocols.join(', ')}`));
    parsedPorts.push({
      port: p['port'] as number,
      protocol: protocol as PortProtocol,
      ...(typeof p['name'] === 'string' ? { name: p['name'] } : {}),
      ...(isPort(p['dialPort']) ? { dialPort: p['dialPort'] } : {}),
    });
    return undefined;
  });
  if (ready !== undefined && typeof ready !== 'boolean') out.push(problem('ready', 'must be true or false'));
  if (out.length > 0) return err(out);
  return ok(deepFreeze({
    namespace: namespace as string,
    name: name as string,
    ...(typeof workload === 'string' ? { workload } : {}),
    serviceAccount: typeof serviceAccount === 'string' ? serviceAccount : 'default',
    labels: { ...((labels ?? {}) as Record<string, string>) },
    ...(typeof zone === 'string' ? { zone } : {}),
    addresses: [...(addresses as string[])],
    ports: parsedPorts,
    ready: ready !== false,
  }));
}
