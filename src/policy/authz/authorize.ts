/**
 * Per-request authorization over compiled policies (see `compile-authorization.ts` for the
 * semantics). `authorize` allocates nothing on the common path: it returns one of the decisions
 * frozen at compile time. `explainAuthorization` walks the very same matchers and lists every rule
 * that matched, for `weft explain` and debug logs.
 */
import type { AuthzDecision, AuthzExplanation, AuthzRuleMatch, RequestAttributes } from './authz-types.js';
import type {
  CompiledAuthorization,
  CompiledCondition,
  CompiledOperation,
  CompiledRule,
  CompiledSource,
  HostMatcher,
} from './compile-authorization.js';
import { matchString } from './string-matcher.js';
import { ipInBlocks, parseIpInto, type IpBlockSet } from './ip-block.js';
import { namespaceOfPrincipal } from './principal.js';
import { normalizeRequestPath } from './request-path.js';

/**
 * Decides one request (HTTP, gRPC) or one connection (TCP). No I/O and deterministic; call it again
 * with a newly compiled set after a policy change (e.g. to re-judge open TCP connections). It keeps
 * per-call scratch in `compiled`, so it is not reentrant: never call it from the `header` callback.
 */
export function authorize(compiled: CompiledAuthorization, attrs: RequestAttributes): AuthzDecision {
  resetScratch(compiled);
  const set = attrs.protocol === 'tcp' ? compiled.tcp : compiled.http;
  const deny = set.deny;
  for (let i = 0; i < deny.length; i++) {
    const rule = deny[i] as CompiledRule;
    if (ruleMatches(compiled, rule, attrs)) return rule.decision;
  }
  const allow = set.allow;
  for (let i = 0; i < allow.length; i++) {
    const rule = allow[i] as CompiledRule;
    if (ruleMatches(compiled, rule, attrs)) return rule.decision;
  }
  return compiled.fallback;
}

/** Same decision as `authorize`, plus every DENY, ALLOW and AUDIT rule that matched. */
export function explainAuthorization(compiled: CompiledAuthorization, attrs: RequestAttributes): AuthzExplanation {
  resetScratch(compiled);
  const set = attrs.protocol === 'tcp' ? compiled.tcp : compiled.http;
  const matched: AuthzRuleMatch[] = [];
  for (const rules of [set.deny, set.allow, set.audit]) {
    for (const rule of rules) {
      if (ruleMatches(compiled, rule, attrs)) matched.push(Object.freeze({ action: rule.action, policy: rule.policy, ruleIndex: rule.ruleIndex }));
    }
  }
  return Object.freeze({ decision: authorize(compiled, attrs), matched: Object.freeze(matched), hasAllowPolicies: compiled.hasAllowPolicies });
}

/** Attributes derived from `attrs` (IP words, normalized path, namespace) are computed at most once per call. */
function resetScratch(c: CompiledAuthorization): void {
  const s = c.scratch;
  s.ipState = 0;
  s.pathDone = false;
  s.path = undefined;
  s.namespaceDone = false;
  s.namespace = undefined;
}

function ruleMatches(c: CompiledAuthorization, rule: CompiledRule, a: RequestAttributes): boolean {
  const sources = rule.sources;
  if (sources !== null) {
    let any = false;
    for (let i = 0; i < sources.length; i++) {
      if (sourceMatches(c, sources[i] as CompiledSource, a)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  const operations = rule.operations;
  if (operations !== null) {
    let any = false;
    for (let i = 0; i < operations.length; i++) {
      if (operationMatches(c, operations[i] as CompiledOperation, a)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  const conditions = rule.conditions;
  for (let i = 0; i < conditions.length; i++) {
    if (!conditionHolds(c, conditions[i] as CompiledCondition, a)) return false;
  }
  return true;
}

/** The caller's principal; '' (how metrics write "unauthenticated") counts as absent. */
function principalOf(a: RequestAttributes): string | undefined {
  const p = a.sourcePrincipal;
  return p === '' ? undefined : p;
}

function sourceNamespace(c: CompiledAuthorization, a: RequestAttributes): string | undefined {
  if (a.sourceNamespace !== undefined && a.sourceNamespace !== '') return a.sourceNamespace;
  const s = c.scratch;
  if (!s.namespaceDone) {
    s.namespaceDone = true;
    const p = principalOf(a);
    s.namespace = p === undefined ? undefined : namespaceOfPrincipal(p);
  }
  return s.namespace;
}

function requestPath(c: CompiledAuthorization, a: RequestAttributes): string | undefined {
  const s = c.scratch;
  if (!s.pathDone) {
    s.pathDone = true;
    s.path = a.path === undefined ? undefined : normalizeRequestPath(a.path);
  }
  return s.path;
}

/** Whether the source IP lies in the blocks; an unparsable IP lies in none. Parsed at most once per call. */
function ipIn(c: CompiledAuthorization, blocks: IpBlockSet, a: RequestAttributes): boolean {
  const s = c.scratch;
  if (s.ipState === 0) s.ipState = parseIpInto(a.sourceIp, s.ip) ? 1 : 2;
  return s.ipState === 1 && ipInBlocks(blocks, s.ip);
}

function sourceMatches(c: CompiledAuthorization, s: CompiledSource, a: RequestAttributes): boolean {
  if (s.principals !== null && !matchString(s.principals, principalOf(a))) return false;
  if (s.notPrincipals !== null && matchString(s.notPrincipals, principalOf(a))) return false;
  if (s.namespaces !== null || s.notNamespaces !== null) {
    const ns = sourceNamespace(c, a);
    if (s.namespaces !== null && !matchString(s.namespaces, ns)) return false;
    if (s.notNamespaces !== null && matchString(s.notNamespaces, ns)) return false;
  }
  if (s.ipBlocks !== null && !ipIn(c, s.ipBlocks, a)) return false;
  if (s.notIpBlocks !== null && ipIn(c, s.notIpBlocks, a)) return false;
  return true;
}

function operationMatches(c: CompiledAuthorization, op: CompiledOperation, a: RequestAttributes): boolean {
  if (op.ports !== null && !op.ports.has(a.destinationPort)) return false;
  if (op.notPorts !== null && op.notPorts.has(a.destinationPort)) return false;
  if (op.methods !== null && !matchString(op.methods, a.method)) return false;
  if (op.notMethods !== null && matchString(op.notMethods, a.method)) return false;
  if (op.paths !== null || op.notPaths !== null) {
    const path = requestPath(c, a);
    if (op.paths !== null && !matchString(op.paths, path)) return false;
    if (op.notPaths !== null && matchString(op.notPaths, path)) return false;
  }
  if (op.hosts !== null && !hostMatches(op.hosts, a.host)) return false;
  if (op.notHosts !== null && hostMatches(op.notHosts, a.host)) return false;
  return true;
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/** Host match, case-insensitive; patterns without a port also match the host with any port. */
function hostMatches(m: HostMatcher, rawHost: string | undefined): boolean {
  if (rawHost === undefined || rawHost.length === 0) return false;
  const host = hasUpper(rawHost) ? rawHost.toLowerCase() : rawHost;
  if (m.withPort !== null && matchString(m.withPort, host)) return true;
  if (m.bare !== null) {
    let end = host.length;
    if (host.charCodeAt(0) === 91 /* [ */) {
      const close = host.indexOf(']');
      if (close !== -1) end = close + 1;
    } else {
      const colon = host.lastIndexOf(':');
      if (colon !== -1 && host.indexOf(':') === colon) end = colon;
    }
    return matchString(m.bare, end === host.length ? host : host.slice(0, end));
  }
  return false;
}

function conditionHolds(c: CompiledAuthorization, cond: CompiledCondition, a: RequestAttributes): boolean {
  switch (cond.kind) {
    case 'header': {
      const value = a.header === undefined ? undefined : a.header(cond.header);
      if (cond.values !== null && !matchString(cond.values, value)) return false;
      if (cond.notValues !== null && matchString(cond.notValues, value)) return false;
      return true;
    }
    case 'sourceIp':
      if (cond.ipValues !== null && !ipIn(c, cond.ipValues, a)) return false;
      if (cond.notIpValues !== null && ipIn(c, cond.notIpValues, a)) return false;
      return true;
    case 'sourceNamespace': {
      const ns = sourceNamespace(c, a);
      if (cond.values !== null && !matchString(cond.values, ns)) return false;
      if (cond.notValues !== null && matchString(cond.notValues, ns)) return false;
      return true;
    }
    case 'sourcePrincipal':
      if (cond.values !== null && !matchString(cond.values, principalOf(a))) return false;
      if (cond.notValues !== null && matchString(cond.notValues, principalOf(a))) return false;
      return true;
    case 'destinationPort':
      if (cond.portValues !== null && !cond.portValues.has(a.destinationPort)) return false;
      if (cond.notPortValues !== null && cond.notPortValues.has(a.destinationPort)) return false;
      return true;
  }
}
