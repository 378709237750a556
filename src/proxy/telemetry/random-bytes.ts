/**
 * Sources of random bytes for trace and span ids, injected so tests are deterministic.
 * `createCryptoRandomBytes` draws from the OS generator in pooled blocks (one syscall per 4 KiB, not
 * per id); `randomBytesFromRandom` adapts a `Random` from src/core (tests, simulations).
 */
import { randomFillSync } from 'node:crypto';
import type { Random } from '../../core/random.js';

export interface RandomBytes {
  /** Fills `target` completely with random bytes. */
  fill(target: Uint8Array): void;
}

const POOL_SIZE = 4096;

/** Cryptographically random bytes, refilled in blocks. */
export function createCryptoRandomBytes(): RandomBytes {
  const pool = new Uint8Array(POOL_SIZE);
  let offset = POOL_SIZE;
  return {
    fill(target: Uint8Array): void {
      // Byte by byte: ids are a few bytes, and a subarray view per call would be an allocation per request.
      for (let i = 0; i < target.length; i++) {
        if (offset === POOL_SIZE) {
          randomFillSync(pool);
          offset = 0;
        }
        target[i] = pool[offset++] as number;
      }
    },
  };
}

/** Bytes from a `Random` (one draw per byte); deterministic with `createSeededRandom`. */
export function randomBytesFromRandom(random: Random): RandomBytes {
  return {
    fill(target: Uint8Array): void {
      for (let i = 0; i < target.length; i++) target[i] = Math.floor(random.next() * 256) & 0xff;
    },
  };
}
