/**
 * Encodes control-plane messages as JSON lines. At 1,000 proxies the JSON encoding is the cost of a
 * push, and most of it is repeated: snapshots share frozen outbound entries and lists (per
 * namespace or reachable set), and patches to many proxies share the same `upsert` list (see
 * diff-snapshots.ts). So the JSON of every frozen object or list is computed once (memoized by
 * identity) and spliced into each proxy's line; only the small per-proxy head is encoded each time.
 * The text decodes to exactly the message (tests check it); unfrozen values are never memoized.
 *
 * `encodeChunks` gives the same bytes as Buffers, the shared outbound list of a snapshot as one
 * Buffer made once: the stream holds a reference to it instead of a copy per proxy, so 1,000 full
 * snapshots of 1.2 MiB queued at once cost 1.2 MiB, not 1.2 GiB, until the sockets drain.
 */
import type { OutboundService, ProxySnapshot } from '../../proxy/snapshot/proxy-snapshot.js';
import type { ControlMessage } from './stream-messages.js';

export interface MessageEncoder {
  /** One line, newline included. */
  encode(message: ControlMessage): string;
  /** The same line in chunks to write in order (one writev); large shared parts are shared Buffers. */
  encodeChunks(message: ControlMessage): readonly Buffer[];
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
  // A snapshot's outbound list as bytes, once per frozen list (the JSON text is not kept).
  const servicesBytes = new WeakMap<readonly OutboundService[], Buffer>();
  const bytesOfServices = (services: readonly OutboundService[]): Buffer => {
    let bytes = servicesBytes.get(services);
    if (bytes === undefined) {
      bytes = Buffer.from(`[${services.map(jsonOf).join(',')}]`);
      if (Object.isFrozen(services)) servicesBytes.set(services, bytes);
    }
    return bytes;
  };
  const snapshotChunks = (snapshot: ProxySnapshot): Buffer[] => {
    const { version, workload, mesh, inbound, outbound } = snapshot;
    return [
      Buffer.from(`{"type":"snapshot","snapshot":{"version":${JSON.stringify(version)},"workload":${jsonOf(workload)},"mesh":${jsonOf(mesh)},"inbound":${jsonOf(inbound)},"outbound":{"services":`),
      bytesOfServices(outbound.services),
      Buffer.from(`,"accessLog":${String(outbound.accessLog)}}}}\n`),
    ];
  };
  const encode = (message: ControlMessage): string => {
    if (message.type === 'snapshot') return Buffer.concat(snapshotChunks(message.snapshot)).toString('utf8');
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
  };
  return {
    encode,
    encodeChunks: (message) => (message.type === 'snapshot' ? snapshotChunks(message.snapshot) : [Buffer.from(encode(message))]),
  };
}
