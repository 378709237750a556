/**
 * The shell's view of inbound authorization: one compiled authorizer per snapshot, asked once per TCP
 * connection (L4) or per HTTP/2 stream (L7). The evaluation itself is the pure code in
 * `src/policy/authz/`; this file only adapts the snapshot to its input.
 */
import type { WeftError } from '../../core/errors.js';
import { ok, type Result } from '../../core/result.js';
import { authorize, compileAuthorization, type AuthzDecision, type CompiledAuthorization, type RequestAttributes } from '../../policy/authz/index.js';
import type { HttpAuthorizer } from '../http1/engine-types.js';
import { createHttpAuthorizer } from '../http1/http-authorizer.js';
import type { ProxySnapshot } from '../snapshot/proxy-snapshot.js';

export type AuthzAttributes = RequestAttributes;
export type AuthzVerdict = AuthzDecision;

export interface InboundAuthorizer extends HttpAuthorizer {
  readonly compiled: CompiledAuthorization;
  authorize(attrs: AuthzAttributes): AuthzVerdict;
}

/** Called with every decision (metrics, debug log). */
export type DecisionObserver = (protocol: 'tcp' | 'http' | 'grpc', decision: AuthzDecision, attrs: AuthzAttributes) => void;

/** Compiles the snapshot's inbound policies once; fails (so the snapshot is refused) when a policy cannot be compiled. */
export function createInboundAuthorizer(snapshot: ProxySnapshot, observe?: DecisionObserver): Result<InboundAuthorizer, readonly WeftError[]> {
  const compiled = compileAuthorization({
    policies: snapshot.inbound.policies,
    defaultAction: snapshot.mesh.defaultAction,
    trustDomain: snapshot.mesh.trustDomain,
  });
  if (!compiled.ok) return compiled;
  const c = compiled.value;
  const http = createHttpAuthorizer(c, (d, attrs) => observe?.('http', d, attrs));
  return ok({
    compiled: c,
    authorize: (attrs) => {
      const d = authorize(c, attrs);
      observe?.(attrs.protocol, d, attrs);
      return d;
    },
    authorizeHttp: (input) => http.authorizeHttp(input),
  });
}
