/** Resolves what people type for a kind (`Service`, `services`, `svc`, `ap`, `authorizationpolicy`) to a kind of the table. */
import { kinds, type KindInfo } from '../../api/kinds.js';

const extraShortNames: Readonly<Record<string, string>> = { svc: 'Service', ns: 'Namespace', gw: 'Gateway' };

/** The kind for a name, case-insensitive: the kind, its plural, its short names; undefined when unknown. */
export function resolveKind(input: string): KindInfo | undefined {
  const lower = input.toLowerCase();
  const extra = extraShortNames[lower];
  return kinds.find(
    (k) => k.kind.toLowerCase() === lower || k.plural === lower || (k.shortNames ?? []).includes(lower) || k.kind === extra,
  );
}
