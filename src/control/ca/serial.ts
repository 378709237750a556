import { randomBytes } from 'node:crypto';

/**
 * A random positive 128-bit serial number in hex. Serials must be unpredictable and unique, so they
 * come from the system CSPRNG, not the injectable `Random` used for jitter and simulations.
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01; // positive, and no leading zero byte to trim
  return bytes.toString('hex');
}
