/**
 * Encodes control-plane messages as JSON lines. Snapshots of proxies in one namespace share their
 * outbound Service list (the same frozen array), which is most of a snapshot's size at scale, so
 * its JSON is computed once per array and spliced into each proxy's line.
 */
import type { OutboundService } from '../../proxy/snapshot/proxy-snapshot.js';
import type { ControlMessage } from './stream-messages.js';

export interface MessageEncoder {
  /** One line, newline included. */
  encode(message: ControlMessage): string;
}

export function createMessageEncoder(): MessageEncoder {
  const servicesJson = new WeakMap<readonly OutboundService[], string>();
  return {
    encode(message) {
      if (message.type !== 'snapshot') return `${JSON.stringify(message)}\n`;
      const { outbound, ...rest } = message.snapshot;
      let services = servicesJson.get(outbound.services);
      if (services === undefined) {
        services = JSON.stringify(outbound.services);
        servicesJson.set(outbound.services, services);
      }
      const head = JSON.stringify(rest);
      return `{"type":"snapshot","snapshot":${head.slice(0, -1)},"outbound":{"services":${services},"accessLog":${String(outbound.accessLog)}}}}\n`;
    },
  };
}
