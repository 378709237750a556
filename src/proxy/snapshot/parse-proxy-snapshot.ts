/**
 * The boundary where a proxy snapshot document (JSON or YAML text, or an already-decoded value) becomes
 * a validated, deeply frozen `ProxySnapshot`. Every problem is collected with its field path; nothing
 * downstream sees the raw object.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { weftError, type WeftError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { checkProxySnapshotShape } from './check-proxy-snapshot.js';
import type { FieldProblem } from './field-checker.js';
import type { ProxySnapshot } from './proxy-snapshot.js';

// The YAML parser is loaded only for a snapshot that is not JSON (the control plane writes JSON):
// the sidecar does not pay ~7 MB of RSS for it. A synchronous load keeps this function synchronous.
const loadModule = createRequire(import.meta.url);

function whereOf(source: string, p: FieldProblem): string {
  return `${source}: ${p.path === '' ? '(document)' : p.path}`;
}

/** Checks the schema cannot express: unique ports and addresses, consistent identities. */
function semanticProblems(s: ProxySnapshot): WeftError[] {
  const out: WeftError[] = [];
  const seenIn = new Set<number>();
  const listen = new Map<string, string>();
  const claim = (addr: string, port: number, where: string): void => {
    const key = `${addr}:${port}`;
    const prev = listen.get(key);
    if (prev !== undefined) out.push(weftError('WEFT_CONFIG_INVALID', `listens on ${key}, which ${prev} already uses`, where));
    else listen.set(key, where);
  };
  s.inbound.ports.forEach((p, i) => {
    const where = `inbound.ports[${i}]`;
    if (seenIn.has(p.port)) out.push(weftError('WEFT_CONFIG_INVALID', `port ${p.port} is listed twice`, `${where}.port`));
    seenIn.add(p.port);
    if (p.listenPort !== undefined) claim(p.listenAddress ?? '0.0.0.0', p.listenPort, `${where}.listenPort`);
  });
  const vips = new Set<string>();
  s.outbound.services.forEach((svc, i) => {
    const where = `outbound.services[${i}]`;
    if (svc.vip !== undefined) {
      const key = `${svc.vip}:${svc.port}`;
      if (vips.has(key)) out.push(weftError('WEFT_CONFIG_INVALID', `virtual address ${key} belongs to two services`, `${where}.vip`));
      vips.add(key);
    }
    if (svc.listenPort !== undefined) claim(svc.listenAddress ?? '127.0.0.1', svc.listenPort, `${where}.listenPort`);
    svc.endpoints.forEach((ep, j) => {
      if (!svc.identities.includes(ep.identity)) {
        out.push(weftError('WEFT_CONFIG_INVALID', `identity ${ep.identity} is not one of the service's identities`, `${where}.endpoints[${j}].identity`));
      }
    });
  });
  const td = `spiffe://${s.mesh.trustDomain}/`;
  if (!s.workload.spiffeId.startsWith(td)) {
    out.push(weftError('WEFT_CONFIG_INVALID', `is not in the trust domain ${s.mesh.trustDomain}`, 'workload.spiffeId'));
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validates a decoded document. On success the snapshot is a fresh, deeply frozen copy. */
export function parseProxySnapshotValue(value: unknown, source = 'snapshot'): Result<ProxySnapshot, readonly WeftError[]> {
  const copy: unknown = structuredClone(value);
  const problems: FieldProblem[] = [];
  if (!checkProxySnapshotShape(copy, '', problems)) {
    return err(problems.map((p) => weftError('WEFT_CONFIG_INVALID', p.message, whereOf(source, p))));
  }
  // The shape check passed, so the copy is a ProxySnapshot (with its defaults filled in).
  const snapshot = copy as ProxySnapshot;
  const semantic = semanticProblems(snapshot).map((p) => ({ ...p, where: `${source}: ${p.where ?? ''}` }));
  if (semantic.length > 0) return err(semantic);
  return ok(deepFreeze(snapshot));
}

/** Decodes snapshot text: JSON, or else YAML (whose parser is loaded only then). */
function decode(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const yaml = loadModule('yaml') as typeof Yaml;
    return yaml.parse(text);
  }
}

/** Parses snapshot text (JSON, or YAML) and validates it. */
export function parseProxySnapshot(text: string, source = 'snapshot'): Result<ProxySnapshot, readonly WeftError[]> {
  let value: unknown;
  try {
    value = decode(text);
  } catch (e) {
    return err([weftError('WEFT_CONFIG_PARSE', e instanceof Error ? e.message : String(e), source)]);
  }
  return parseProxySnapshotValue(value, source);
}
