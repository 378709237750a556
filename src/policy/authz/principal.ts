/**
 * Principals (SPIFFE IDs). Policies may write `spiffe://td/ns/x/sa/y`, Istio's `td/ns/x/sa/y`, or
 * leave out the trust domain (`ns/x/sa/y`); Weft compares everything in the `spiffe://` form, the
 * form certificates carry, so per request nothing is rewritten.
 */

const SCHEME = 'spiffe://';
/** Istio's default trust domain; policies written for it mean the mesh's own trust domain. */
const ISTIO_DEFAULT_TRUST_DOMAIN = 'cluster.local';

/**
 * The `spiffe://` form of a principal pattern body (no wildcard handling here: callers pass the
 * part without `*`). `cluster.local/…` and trust-domain-less `ns/…` are taken as the mesh trust domain.
 */
export function normalizePrincipal(text: string, trustDomain: string): string {
  let body = text.startsWith(SCHEME) ? text.slice(SCHEME.length) : text;
  if (body.startsWith('/ns/')) body = trustDomain + body;
  else if (body.startsWith('ns/')) body = `${trustDomain}/${body}`;
  else if (body.startsWith(`${ISTIO_DEFAULT_TRUST_DOMAIN}/`)) body = trustDomain + body.slice(ISTIO_DEFAULT_TRUST_DOMAIN.length);
  return SCHEME + body;
}

/**
 * Normalizes a principal pattern, keeping Istio's wildcard forms: exact, `prefix*`, `*suffix`, `*`.
 * A suffix pattern is kept as written (a suffix of the `spiffe://` form still matches).
 */
export function normalizePrincipalPattern(pattern: string, trustDomain: string): string {
  if (pattern === '*') return pattern;
  if (pattern.startsWith('*')) return pattern;
  if (pattern.endsWith('*')) return `${normalizePrincipal(pattern.slice(0, -1), trustDomain)}*`;
  return normalizePrincipal(pattern, trustDomain);
}

/**
 * The namespace in a SPIFFE ID (`spiffe://td/ns/<ns>/sa/<sa>`), or undefined. Call it once per
 * connection and pass the result as `sourceNamespace`.
 */
export function namespaceOfPrincipal(principal: string): string | undefined {
  const start = principal.indexOf('/ns/');
  if (start === -1) return undefined;
  const from = start + 4;
  const end = principal.indexOf('/', from);
  const ns = end === -1 ? principal.slice(from) : principal.slice(from, end);
  return ns.length === 0 ? undefined : ns;
}
