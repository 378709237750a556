/**
 * Compiles a workload's AuthorizationPolicies once per snapshot into matchers that `authorize`
 * walks per request without building strings or regexes. Semantics follow Istio:
 *
 * - DENY is evaluated before ALLOW; AUDIT rules never change a decision.
 * - If any ALLOW policy applies to the workload, a request no ALLOW rule matches is denied;
 *   with no ALLOW policy the mesh default action applies.
 * - A rule matches when one of its `from` sources matches AND one of its `to` operations matches
 *   AND all its `when` conditions hold; an absent `from`/`to` matches anything. `rules` absent or
 *   empty matches nothing; a rule `{}` matches everything.
 * - Strings match exact, `prefix*`, `*suffix` or `*` (any present value); `principals: ["*"]`
 *   therefore needs an authenticated caller, and `notPrincipals: ["*"]` matches only unauthenticated ones.
 * - TCP connections carry no HTTP attributes. As Istio does, an ALLOW rule that uses an HTTP-only
 *   field (hosts, methods, paths, their `not` forms, `request.headers` conditions) never matches TCP
 *   traffic, while a DENY rule is applied to TCP with its HTTP-only fields left out, so it denies
 *   more broadly rather than less (Istio's "TCP traffic" task documents both behaviours).
 * - Hosts compare case-insensitively (Istio fixed a bypass by case, CVE-2021-39155). One deliberate
 *   difference: a host pattern without a port (`api.example.com`) also matches that host with any
 *   port (`api.example.com:8080`), where Istio needs `api.example.com:*` too; that form works here as
 *   well. The Host port is the client's claim, not the destination; `ports` checks the real one.
 * - Paths are matched after `normalizeRequestPath` (query cut, dot segments and encoded unreserved
 *   characters resolved), like Istio's default path normalization, so `/a/../admin` is `/admin`.
 * - Unsupported parts (`requestPrincipals`, `request.auth.*` and other condition keys) are refused
 *   at compile time: silently ignoring them would change what a policy means.
 */
import { err, ok, type Result } from '../../core/result.js';
import { weftError, type WeftError } from '../../core/errors.js';
import type { AuthorizationCondition, AuthorizationOperation, AuthorizationRule, AuthorizationSource } from '../../api/kinds/authorization-policy.js';
import type { AuthorizationInput, AuthzDecision, AuthzPolicyInput } from './authz-types.js';
import { compileStringMatcher, type StringMatcher } from './string-matcher.js';
import { compileIpBlocks, type IpBlockSet } from './ip-block.js';
import { normalizePrincipalPattern } from './principal.js';

export interface CompiledSource {
  readonly principals: StringMatcher | null;
  readonly notPrincipals: StringMatcher | null;
  readonly namespaces: StringMatcher | null;
  readonly notNamespaces: StringMatcher | null;
  readonly ipBlocks: IpBlockSet | null;
  readonly notIpBlocks: IpBlockSet | null;
}

/** Hosts split by whether the pattern names a port: `a.b` matches `a.b` and `a.b:8080`; `a.b:8080` only that. */
export interface HostMatcher {
  readonly bare: StringMatcher | null;
  readonly withPort: StringMatcher | null;
}

export interface CompiledOperation {
  readonly hosts: HostMatcher | null;
  readonly notHosts: HostMatcher | null;
  readonly ports: ReadonlySet<number> | null;
  readonly notPorts: ReadonlySet<number> | null;
  readonly methods: StringMatcher | null;
  readonly notMethods: StringMatcher | null;
  readonly paths: StringMatcher | null;
  readonly notPaths: StringMatcher | null;
}

export type ConditionKind = 'header' | 'sourceIp' | 'sourceNamespace' | 'sourcePrincipal' | 'destinationPort';

export interface CompiledCondition {
  readonly kind: ConditionKind;
  /** The lower-case header name for `header` conditions; '' otherwise. */
  readonly header: string;
  readonly values: StringMatcher | null;
  readonly notValues: StringMatcher | null;
  readonly ipValues: IpBlockSet | null;
  readonly notIpValues: IpBlockSet | null;
  readonly portValues: ReadonlySet<number> | null;
  readonly notPortValues: ReadonlySet<number> | null;
}

export interface CompiledRule {
  readonly action: 'ALLOW' | 'DENY' | 'AUDIT';
  readonly policy: string;
  readonly ruleIndex: number;
  readonly sources: readonly CompiledSource[] | null;
  readonly operations: readonly CompiledOperation[] | null;
  readonly conditions: readonly CompiledCondition[];
  /** The frozen decision this rule produces (for AUDIT rules: unused). */
  readonly decision: AuthzDecision;
}

/** Rules per action for one kind of traffic, in a stable order (policies by namespace/name). */
export interface CompiledRuleSet {
  readonly deny: readonly CompiledRule[];
  readonly allow: readonly CompiledRule[];
  readonly audit: readonly CompiledRule[];
}

/** Evaluation scratch, reset at each `authorize` call (single-threaded, never shared across awaits). */
export interface AuthzScratch {
  /** 0: not parsed yet; 1: `ip` holds the source address; 2: the source address is not an IP. */
  ipState: number;
  readonly ip: Uint32Array;
  /** Whether `path` / `namespace` hold this call's normalized path / source namespace. */
  pathDone: boolean;
  path: string | undefined;
  namespaceDone: boolean;
  namespace: string | undefined;
}

/** The compiled form of a workload's policies. Treat as opaque; build with `compileAuthorization`. */
export interface CompiledAuthorization {
  readonly http: CompiledRuleSet;
  readonly tcp: CompiledRuleSet;
  readonly hasAllowPolicies: boolean;
  /** Decision when no rule decides: the mesh default, or deny when ALLOW policies exist. */
  readonly fallback: AuthzDecision;
  readonly policyCount: number;
  readonly scratch: AuthzScratch;
}

function decision(allowed: boolean, action: AuthzDecision['action'], reason: string, policy?: string, ruleIndex?: number): AuthzDecision {
  if (policy === undefined || ruleIndex === undefined) return Object.freeze({ allowed, action, reason });
  return Object.freeze({ allowed, action, policy, ruleIndex, reason });
}

const DEFAULT_ALLOW = decision(true, 'DEFAULT', 'no authorization policy applies; mesh default is ALLOW');
const DEFAULT_DENY = decision(false, 'DEFAULT', 'no authorization policy applies; mesh default is DENY');
const NO_ALLOW_MATCH = decision(false, 'DEFAULT', 'no ALLOW rule matched');

/**
 * Compiles the policies. Collects every problem (each with `where` = `ns/name: field path`) rather
 * than stopping at the first; on success the result is frozen and safe to share between requests.
 */
export function compileAuthorization(input: AuthorizationInput): Result<CompiledAuthorization, readonly WeftError[]> {
  const problems: WeftError[] = [];
  const policies = [...input.policies].sort((a, b) => compareKeys(policyKey(a), policyKey(b)));
  const httpSets = { deny: [] as CompiledRule[], allow: [] as CompiledRule[], audit: [] as CompiledRule[] };
  const tcpSets = { deny: [] as CompiledRule[], allow: [] as CompiledRule[], audit: [] as CompiledRule[] };
  let hasAllowPolicies = false;
  for (const policy of policies) {
    const key = policyKey(policy);
    // Istio's default action is ALLOW; a spec that skipped schema defaults may leave it out.
    const action = (policy.spec.action as string | undefined) ?? 'ALLOW';
    if (action !== 'ALLOW' && action !== 'DENY' && action !== 'AUDIT') {
      problems.push(weftError('WEFT_AUTHZ_UNSUPPORTED', `action ${action} is not supported`, `${key}: spec.action`));
      continue;
    }
    if (action === 'ALLOW') hasAllowPolicies = true;
    const rules = policy.spec.rules ?? [];
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r] as AuthorizationRule;
      const ctx: Ctx = { problems, where: `${key}: spec.rules[${r}]`, trustDomain: input.trustDomain };
      const compiled = compileRule(rule, action, key, r, ctx);
      if (compiled === undefined) continue;
      const http = compiled.rule;
      const sets = action === 'ALLOW' ? 'allow' : action === 'DENY' ? 'deny' : 'audit';
      httpSets[sets].push(http);
      if (!compiled.httpOnly) tcpSets[sets].push(http);
      else if (action !== 'ALLOW') tcpSets[sets].push(withoutHttpFields(http));
    }
  }
  if (problems.length > 0) return err(problems);
  const freezeSet = (s: { deny: CompiledRule[]; allow: CompiledRule[]; audit: CompiledRule[] }): CompiledRuleSet =>
    Object.freeze({ deny: Object.freeze(s.deny), allow: Object.freeze(s.allow), audit: Object.freeze(s.audit) });
  return ok(
    Object.freeze({
      http: freezeSet(httpSets),
      tcp: freezeSet(tcpSets),
      hasAllowPolicies,
      fallback: hasAllowPolicies ? NO_ALLOW_MATCH : input.defaultAction === 'ALLOW' ? DEFAULT_ALLOW : DEFAULT_DENY,
      policyCount: policies.length,
      scratch: { ipState: 0, ip: new Uint32Array(4), pathDone: false, path: undefined, namespaceDone: false, namespace: undefined },
    }),
  );
}

function policyKey(p: AuthzPolicyInput): string {
  return `${p.namespace}/${p.name}`;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Ctx {
  readonly problems: WeftError[];
  readonly where: string;
  readonly trustDomain: string;
}

function compileRule(
  rule: AuthorizationRule,
  action: 'ALLOW' | 'DENY' | 'AUDIT',
  policy: string,
  ruleIndex: number,
  ctx: Ctx,
): { rule: CompiledRule; httpOnly: boolean } | undefined {
  const before = ctx.problems.length;
  let httpOnly = false;
  let sources: CompiledSource[] | null = null;
  if (rule.from !== undefined && rule.from.length > 0) {
    sources = rule.from.map((f, i) => compileSource(f.source, { ...ctx, where: `${ctx.where}.from[${i}].source` }));
  }
  let operations: CompiledOperation[] | null = null;
  if (rule.to !== undefined && rule.to.length > 0) {
    operations = rule.to.map((t, i) => {
      const op = compileOperation(t.operation, { ...ctx, where: `${ctx.where}.to[${i}].operation` });
      if (op.hosts !== null || op.notHosts !== null || op.methods !== null || op.notMethods !== null || op.paths !== null || op.notPaths !== null) {
        httpOnly = true;
      }
      return op;
    });
  }
  const conditions = (rule.when ?? []).map((c, i) => {
    const cond = compileCondition(c, { ...ctx, where: `${ctx.where}.when[${i}]` });
    if (cond?.kind === 'header') httpOnly = true;
    return cond;
  });
  if (ctx.problems.length > before) return undefined;
  const allowed = action !== 'DENY';
  const d = decision(allowed, action === 'DENY' ? 'DENY' : 'ALLOW', `${action} by ${policy} rule ${ruleIndex}`, policy, ruleIndex);
  return {
    rule: Object.freeze({
      action,
      policy,
      ruleIndex,
      sources: sources === null ? null : Object.freeze(sources),
      operations: operations === null ? null : Object.freeze(operations),
      conditions: Object.freeze(conditions.filter((c): c is CompiledCondition => c !== undefined)),
      decision: d,
    }),
    httpOnly,
  };
}

/** The TCP form of a DENY/AUDIT rule: HTTP-only fields dropped, so the rule matches more, never less. */
function withoutHttpFields(rule: CompiledRule): CompiledRule {
  const operations =
    rule.operations === null
      ? null
      : Object.freeze(
          rule.operations.map((op) =>
            Object.freeze({ ...op, hosts: null, notHosts: null, methods: null, notMethods: null, paths: null, notPaths: null }),
          ),
        );
  return Object.freeze({ ...rule, operations, conditions: Object.freeze(rule.conditions.filter((c) => c.kind !== 'header')) });
}

function nonEmpty(list: readonly string[] | undefined): list is readonly string[] {
  return list !== undefined && list.length > 0;
}

function strings(list: readonly string[] | undefined, field: string, ctx: Ctx, transform?: (v: string) => string): StringMatcher | null {
  if (!nonEmpty(list)) return null;
  const r = compileStringMatcher(list, transform);
  if ('bad' in r) {
    ctx.problems.push(
      weftError('WEFT_AUTHZ_POLICY_INVALID', `"${list[r.bad] ?? ''}": "*" may stand only alone, at the start or at the end`, `${ctx.where}.${field}[${r.bad}]`),
    );
    return null;
  }
  return r.matcher;
}

function principals(list: readonly string[] | undefined, field: string, ctx: Ctx): StringMatcher | null {
  if (!nonEmpty(list)) return null;
  return strings(list.map((p) => normalizePrincipalPattern(p, ctx.trustDomain)), field, ctx);
}

function ipBlocks(list: readonly string[] | undefined, field: string, ctx: Ctx): IpBlockSet | null {
  if (!nonEmpty(list)) return null;
  const r = compileIpBlocks(list);
  if ('bad' in r) {
    ctx.problems.push(weftError('WEFT_AUTHZ_POLICY_INVALID', `"${list[r.bad] ?? ''}" is not an IP address or CIDR block`, `${ctx.where}.${field}[${r.bad}]`));
    return null;
  }
  return r.set;
}

function ports(list: readonly string[] | undefined, field: string, ctx: Ctx): ReadonlySet<number> | null {
  if (!nonEmpty(list)) return null;
  const set = new Set<number>();
  list.forEach((p, i) => {
    const n = /^[0-9]{1,5}$/.test(p) ? Number(p) : NaN;
    if (!(n >= 0 && n <= 65535)) {
      ctx.problems.push(weftError('WEFT_AUTHZ_POLICY_INVALID', `"${p}" is not a port number`, `${ctx.where}.${field}[${i}]`));
    } else {
      set.add(n);
    }
  });
  return set;
}

function lower(v: string): string {
  return v.toLowerCase();
}

function hosts(list: readonly string[] | undefined, field: string, ctx: Ctx): HostMatcher | null {
  if (!nonEmpty(list)) return null;
  const bare = list.filter((h) => !hasPort(h));
  const withPort = list.filter((h) => hasPort(h));
  return Object.freeze({
    bare: bare.length > 0 ? strings(bare, field, ctx, lower) : null,
    withPort: withPort.length > 0 ? strings(withPort, field, ctx, lower) : null,
  });
}

/** `a.b:80` or `[::1]:80` names a port; `::1` or `[::1]` does not. */
function hasPort(host: string): boolean {
  if (host.startsWith('[')) return host.indexOf(']:') !== -1;
  const colon = host.indexOf(':');
  return colon !== -1 && host.indexOf(':', colon + 1) === -1;
}

function compileSource(source: AuthorizationSource, ctx: Ctx): CompiledSource {
  if (nonEmpty(source.requestPrincipals)) {
    ctx.problems.push(weftError('WEFT_AUTHZ_UNSUPPORTED', 'requestPrincipals (JWT) is not supported', `${ctx.where}.requestPrincipals`));
  }
  const extra = source as Record<string, unknown>;
  for (const field of ['notRequestPrincipals', 'remoteIpBlocks', 'notRemoteIpBlocks']) {
    if (extra[field] !== undefined) {
      ctx.problems.push(weftError('WEFT_AUTHZ_UNSUPPORTED', `${field} is not supported`, `${ctx.where}.${field}`));
    }
  }
  return Object.freeze({
    principals: principals(source.principals, 'principals', ctx),
    notPrincipals: principals(source.notPrincipals, 'notPrincipals', ctx),
    namespaces: strings(source.namespaces, 'namespaces', ctx),
    notNamespaces: strings(source.notNamespaces, 'notNamespaces', ctx),
    ipBlocks: ipBlocks(source.ipBlocks, 'ipBlocks', ctx),
    notIpBlocks: ipBlocks(source.notIpBlocks, 'notIpBlocks', ctx),
  });
}

function compileOperation(op: AuthorizationOperation, ctx: Ctx): CompiledOperation {
  const paths = (list: readonly string[] | undefined, field: string): StringMatcher | null => {
    const template = list?.findIndex((p) => p.includes('{')) ?? -1;
    if (template !== -1) {
      const p = list?.[template] ?? '';
      ctx.problems.push(weftError('WEFT_AUTHZ_UNSUPPORTED', `path templates such as "${p}" are not supported`, `${ctx.where}.${field}[${template}]`));
      return null;
    }
    return strings(list, field, ctx);
  };
  return Object.freeze({
    hosts: hosts(op.hosts, 'hosts', ctx),
    notHosts: hosts(op.notHosts, 'notHosts', ctx),
    ports: ports(op.ports, 'ports', ctx),
    notPorts: ports(op.notPorts, 'notPorts', ctx),
    methods: strings(op.methods, 'methods', ctx),
    notMethods: strings(op.notMethods, 'notMethods', ctx),
    paths: paths(op.paths, 'paths'),
    notPaths: paths(op.notPaths, 'notPaths'),
  });
}

const HEADER_KEY_PREFIX = 'request.headers[';

function compileCondition(c: AuthorizationCondition, ctx: Ctx): CompiledCondition | undefined {
  const key = c.key;
  if (!nonEmpty(c.values) && !nonEmpty(c.notValues)) {
    ctx.problems.push(weftError('WEFT_AUTHZ_POLICY_INVALID', `condition ${key} needs values or notValues`, ctx.where));
    return undefined;
  }
  const base = { header: '', values: null, notValues: null, ipValues: null, notIpValues: null, portValues: null, notPortValues: null };
  if (key.startsWith(HEADER_KEY_PREFIX) && key.endsWith(']') && key.length > HEADER_KEY_PREFIX.length + 1) {
    const name = key.slice(HEADER_KEY_PREFIX.length, -1).toLowerCase();
    return Object.freeze({
      ...base,
      kind: 'header' as const,
      header: name,
      values: strings(c.values, 'values', ctx),
      notValues: strings(c.notValues, 'notValues', ctx),
    });
  }
  switch (key) {
    case 'source.ip':
      return Object.freeze({ ...base, kind: 'sourceIp' as const, ipValues: ipBlocks(c.values, 'values', ctx), notIpValues: ipBlocks(c.notValues, 'notValues', ctx) });
    case 'source.namespace':
      return Object.freeze({ ...base, kind: 'sourceNamespace' as const, values: strings(c.values, 'values', ctx), notValues: strings(c.notValues, 'notValues', ctx) });
    case 'source.principal':
      return Object.freeze({
        ...base,
        kind: 'sourcePrincipal' as const,
        values: principals(c.values, 'values', ctx),
        notValues: principals(c.notValues, 'notValues', ctx),
      });
    case 'destination.port':
      return Object.freeze({ ...base, kind: 'destinationPort' as const, portValues: ports(c.values, 'values', ctx), notPortValues: ports(c.notValues, 'notValues', ctx) });
    default:
      ctx.problems.push(weftError('WEFT_AUTHZ_UNSUPPORTED', `condition key ${key} is not supported`, `${ctx.where}.key`));
      return undefined;
  }
}
