/**
 * Encodes control-plane messages as JSON lines. At 1,000 proxies the JSON encoding is the cost of a
 * push, and most of it is repeated: snapshots share frozen outbound entries and lists (per
 * namespace or reachable set), and patches to many proxies share the same `upsert` list (see
 * diff-snapshots.ts). So the JSON of every frozen object or list is computed once (memoized by
 * identity) and spliced into each proxy's line; only the small per-proxy head is encoded each time.
 * The text decodes to exactly the message (tests check it); unfrozen values are never memoized.
 */
import type { OutboundService } from '../../proxy/snapshot/proxy-snapshot.js';
import type { ControlMessage } from './stream-messages.js';

export interface MessageEncoder {
  /** One line, newline included. */
  encode(message: ControlMessage): string;
}

export function createMessageEncoder(): MessageEncoder {
  const jsonOfObject = new WeakMap<object, string>();
  const jsonOf = (value: object): string => {
    let json = jsonOfObject.get(value);
    if (json === undefined) {
      json = JSON.stringify(value);
      if (Object.isFrozen(value)) jsonOfObject.set(value, json);
    }
    return json;
  };
  // A list of services: joined from each entry's memoized JSON (a new list after a change mostly
  // holds entries encoded before).
  const jsonOfServices = (services: readonly OutboundService[]): string => {
    let json = jsonOfObject.get(services);
    if (json === undefined) {
      json = `[${services.map(jsonOf).join(',')}]`;
      if (Object.isFrozen(services)) jsonOfObject.set(services, json);
    }
    return json;
  };
  return {
    encode(message) {
      if (message.type === 'snapshot') {
        const { version, workload, mesh, inbound, outbound } = message.snapshot;
        return `{"type":"snapshot","snapshot":{"version":${JSON.stringify(version)},"workload":${jsonOf(workload)},"mesh":${jsonOf(mesh)},"inbound":${jsonOf(inbound)},"outbound":{"services":${jsonOfServices(outbound.services)},"accessLog":${String(outbound.accessLog)}}}}\n`;
      }
      if (message.type === 'patch') {
        let line = `{"type":"patch","base":${JSON.stringify(message.base)},"version":${JSON.stringify(message.version)}`;
        if (message.workload !== undefined) line += `,"workload":${jsonOf(message.workload)}`;
        if (message.mesh !== undefined) line += `,"mesh":${jsonOf(message.mesh)}`;
        if (message.inbound !== undefined) line += `,"inbound":${jsonOf(message.inbound)}`;
        if (message.outboundAccessLog !== undefined) line += `,"outboundAccessLog":${String(message.outboundAccessLog)}`;
        if (message.upsert !== undefined) line += `,"upsert":${jsonOfServices(message.upsert)}`;
        if (message.remove !== undefined) line += `,"remove":${jsonOf(message.remove)}`;
        return `${line}}\n`;
      }
      return `${JSON.stringify(message)}\n`;
    },
  };
}
