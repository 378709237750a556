/**
 * PERMISSIVE-mode detection: does a connection start with a TLS handshake record?
 * A TLS record header is: content type 0x16 (handshake), version major 0x03, minor 0x00–0x04.
 * Needs only the first byte to say "no"; with fewer than 3 bytes a leading 0x16 answers "yes"
 * (no plaintext protocol the mesh carries starts with 0x16).
 */
export function isTlsClientHello(firstBytes: Uint8Array): boolean {
  if (firstBytes.length === 0 || firstBytes[0] !== 0x16) return false;
  if (firstBytes.length < 2) return true;
  if (firstBytes[1] !== 0x03) return false;
  if (firstBytes.length < 3) return true;
  return (firstBytes[2] ?? 0xff) <= 0x04;
}
