/**
 * The shell's view of inbound authorization: one compiled authorizer per snapshot, asked once per TCP
 * connection (L4) or per HTTP/2 stream (L7). The evaluation itself is the pure code in
 * `src/policy/authz/`; this file only adapts the snapshot to its input.
 */
import type { WeftError } from '../../core/errors.js';
import { ok, type Result } from '../../core/result.js';
import { authorize, compileAuthorization, type AuthzDecision, type CompiledAuthorization, type RequestAttributes } from '../../policy/authz/index.js';
import type { HttpAuthorizer, HttpAuthzDecision } from '../http1/engine-types.js';
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
  // One scratch object per generation for HTTP/1.1 requests: authorize() is synchronous and keeps nothing.
  let head: { header(name: string): string | undefined } | undefined;
  const headerOf = (name: string): string | undefined => head?.header(name);
  const scratch: AuthzAttributes = { protocol: 'http', sourceIp: '', destinationPort: 0, header: headerOf };
  return ok({
    compiled: c,
    authorize: (attrs) => {
      const d = authorize(c, attrs);
      observe?.(attrs.protocol, d, attrs);
      return d;
    },
    authorizeHttp(input): HttpAuthzDecision {
      const h = input.head;
      scratch.sourcePrincipal = input.peerIdentity;
      scratch.sourceNamespace = undefined;
      scratch.sourceIp = input.peerAddress;
      scratch.destinationPort = input.destinationPort;
      scratch.method = h.method;
      scratch.path = h.path;
      scratch.host = h.host;
      head = h;
      const d = authorize(c, scratch);
      head = undefined;
      observe?.('http', d, scratch);
      return d;
    },
  });
}
