/**
 * Reads the SPIFFE ID out of Node's `subjectaltname` string (`X509Certificate.subjectAltName`,
 * `getPeerCertificate().subjectaltname`), e.g. `URI:spiffe://td/ns/a/sa/b, DNS:x`.
 */
import { parseSpiffeId } from './spiffe-id.js';

const URI_PREFIX = 'URI:';
const SPIFFE_PREFIX = 'spiffe://';

/**
 * The one SPIFFE ID in a certificate's subject alternative names, or undefined when there is none,
 * more than one `spiffe://` URI, or it is malformed. Node quotes entries with unusual characters
 * (`URI:"..."`); such entries are never valid SPIFFE IDs and count as malformed.
 */
export function spiffeIdFromSubjectAltName(subjectAltName: string | undefined): string | undefined {
  if (subjectAltName === undefined || subjectAltName.length === 0) return undefined;
  let found: string | undefined;
  let count = 0;
  for (const entry of subjectAltName.split(', ')) {
    if (!entry.startsWith(URI_PREFIX)) continue;
    const value = entry.slice(URI_PREFIX.length);
    if (value.startsWith(SPIFFE_PREFIX) || value.startsWith('"')) {
      count += 1;
      found = value;
    }
  }
  if (count !== 1 || found === undefined) return undefined;
  return parseSpiffeId(found).ok ? found : undefined;
}
