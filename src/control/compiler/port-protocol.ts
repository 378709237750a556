/**
 * How a Service port's traffic is handled: from `appProtocol` (Kubernetes), else from the port
 * name's prefix as Istio reads it (`http`, `http-web`, `grpc-api`, `tcp-db`...), else `detect`.
 */
import type { PortProtocol } from '../../proxy/snapshot/proxy-snapshot.js';

const byAppProtocol: Readonly<Record<string, PortProtocol>> = {
  http: 'http',
  'http/1.1': 'http',
  http2: 'http2',
  h2c: 'http2',
  'kubernetes.io/h2c': 'http2',
  grpc: 'grpc',
  tcp: 'tcp',
};

export function servicePortProtocol(port: { readonly appProtocol?: string; readonly name?: string }): PortProtocol {
  if (port.appProtocol !== undefined) return byAppProtocol[port.appProtocol.toLowerCase()] ?? 'detect';
  const prefix = (port.name ?? '').split('-')[0] ?? '';
  return byAppProtocol[prefix] ?? 'detect';
}
