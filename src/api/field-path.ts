/**
 * Field paths as people read them: `spec.rules[0].from[0].source.principals[0]`, with keys that are
 * not plain identifiers quoted: `metadata.labels["app.kubernetes.io/name"]`.
 */
const plainKey = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Appends a key or an index to a path. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (plainKey.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Turns a JSON Pointer (Ajv's `instancePath`, `/spec/rules/0`) into a field path (`spec.rules[0]`). */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  let path = '';
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^(0|[1-9][0-9]*)$/.test(key) ? joinPath(path, Number(key)) : joinPath(path, key);
  }
  return path;
}
