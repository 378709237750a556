/**
 * A default W3C `traceparent` source (version 00, sampled), used until the telemetry module's own
 * is wired in. Randomness is injected.
 */
import type { Random } from '../../core/random.js';
import type { TraceparentSource } from './engine-types.js';

const HEX = '0123456789abcdef';

function hex(random: Random, chars: number): string {
  let s = '';
  for (let i = 0; i < chars; i++) s += HEX[Math.floor(random.next() * 16)] as string;
  return s;
}

export function createTraceparentSource(random: Random): TraceparentSource {
  return {
    next(): string {
      let trace = hex(random, 32);
      if (trace === '00000000000000000000000000000000') trace = '00000000000000000000000000000001';
      let span = hex(random, 16);
      if (span === '0000000000000000') span = '0000000000000001';
      return `00-${trace}-${span}-01`;
    },
  };
}
