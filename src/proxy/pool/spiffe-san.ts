/**
 * The SPIFFE IDs in a certificate's subjectAltName string as Node reports it
 * (`DNS:a, URI:spiffe://td/ns/x/sa/y`). Read once per connection, at the handshake.
 */
export function spiffeIdsOfSan(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined || subjectAltName === '') return [];
  const out: string[] = [];
  for (const part of subjectAltName.split(', ')) {
    if (part.startsWith('URI:spiffe://')) out.push(part.slice(4));
    // Node quotes values with special characters as a JSON string.
    else if (part.startsWith('URI:"spiffe://')) {
      try {
        const v: unknown = JSON.parse(part.slice(4));
        if (typeof v === 'string') out.push(v);
      } catch {
        // not an identity we can use
      }
    }
  }
  return out;
}
