/**
 * Canonical JSON: object keys sorted, no whitespace. Two equal plain values always give the same
 * text, whatever order their keys were inserted in; the store compares resources with it and the
 * compiler hashes snapshots with it.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // undefined inside objects is skipped below; at the top level it becomes null, as in JSON.
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) return `[${value.map((v: unknown) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
