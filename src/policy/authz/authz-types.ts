/**
 * The values that go into and come out of authorization: the policies a workload has (input to
 * `compileAuthorization`), the attributes of one request or connection (input to `authorize`), and
 * the decision. Kept apart from the code so the proxy, `weft explain` and tests share one vocabulary.
 */
import type { AuthorizationPolicySpec } from '../../api/kinds/authorization-policy.js';

/** One AuthorizationPolicy that applies to the workload (same shape as the proxy snapshot's `InboundPolicy`). */
export interface AuthzPolicyInput {
  readonly name: string;
  readonly namespace: string;
  readonly spec: AuthorizationPolicySpec;
}

/** What `compileAuthorization` takes: the workload's policies, the mesh default and the trust domain. */
export interface AuthorizationInput {
  readonly policies: readonly AuthzPolicyInput[];
  /** What happens when no ALLOW policy applies to the workload at all. */
  readonly defaultAction: 'ALLOW' | 'DENY';
  /** The mesh trust domain: principals written as `ns/x/sa/y` or with `cluster.local` mean this one. */
  readonly trustDomain: string;
}

export type AuthzProtocol = 'tcp' | 'http' | 'grpc';

/**
 * The attributes of one request (HTTP, gRPC) or one connection (TCP). Build one object per
 * connection and update its request fields per request; `authorize` does not keep it.
 */
export interface RequestAttributes {
  protocol: AuthzProtocol;
  /** The caller's SPIFFE ID from its certificate (`spiffe://td/ns/x/sa/y`); undefined (or '') when unauthenticated. */
  sourcePrincipal?: string | undefined;
  /** The caller's namespace; derived from `sourcePrincipal` when absent (cache it per connection). */
  sourceNamespace?: string | undefined;
  /** The caller's IP address (IPv4, IPv6, or IPv4-mapped IPv6 as Node reports it). */
  sourceIp: string;
  /** The application port the request is for (the original destination port). */
  destinationPort: number;
  method?: string | undefined;
  /** The request target's path; a query string is ignored; see `normalizeRequestPath`. */
  path?: string | undefined;
  /** The Host header or :authority, possibly with a port. */
  host?: string | undefined;
  /** A request header by its lower-case name; undefined when absent. */
  header?: ((lowerName: string) => string | undefined) | undefined;
}

export type AuthzAction = 'ALLOW' | 'DENY' | 'DEFAULT';

/**
 * The outcome. Decisions for rules are made once at compile time and frozen; `authorize` returns
 * one of them, so callers may compare by identity and must not mutate them.
 */
export interface AuthzDecision {
  readonly allowed: boolean;
  /** ALLOW or DENY: a rule of such a policy decided; DEFAULT: no rule decided. */
  readonly action: AuthzAction;
  /** `namespace/name` of the deciding policy, when a rule decided. */
  readonly policy?: string;
  /** Index of the deciding rule in that policy's `rules`. */
  readonly ruleIndex?: number;
  /** A short reason for debug logs and 403 bodies. */
  readonly reason: string;
}

/** One rule that matched a request, as `explainAuthorization` reports it. */
export interface AuthzRuleMatch {
  readonly action: 'ALLOW' | 'DENY' | 'AUDIT';
  readonly policy: string;
  readonly ruleIndex: number;
}

/** The decision plus every rule that matched (including AUDIT rules, which never decide). */
export interface AuthzExplanation {
  readonly decision: AuthzDecision;
  readonly matched: readonly AuthzRuleMatch[];
  /** True when the workload has at least one ALLOW policy (so unmatched requests are denied). */
  readonly hasAllowPolicies: boolean;
}
