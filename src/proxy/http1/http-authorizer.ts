/**
 * An `HttpAuthorizer` over compiled policies (src/policy/authz): one attributes object per
 * authorizer, filled per request, so a decision allocates nothing.
 */
import { authorize, type AuthzDecision, type CompiledAuthorization, type RequestAttributes } from '../../policy/authz/index.js';
import type { RequestHead } from './codec/index.js';
import type { HttpAuthorizer, HttpAuthzInput } from './engine-types.js';

/** `onDecision` sees every decision and the attributes it was made on (metrics, debug log). */
export function createHttpAuthorizer(
  compiled: CompiledAuthorization,
  onDecision?: (decision: AuthzDecision, attrs: RequestAttributes) => void,
): HttpAuthorizer {
  let head: RequestHead | undefined;
  const attrs: RequestAttributes = { protocol: 'http', sourceIp: '', destinationPort: 0, header: (name) => head?.header(name) };
  return {
    authorizeHttp(input: HttpAuthzInput): AuthzDecision {
      head = input.head;
      attrs.sourcePrincipal = input.peerIdentity;
      attrs.sourceNamespace = undefined;
      attrs.sourceIp = input.peerAddress;
      attrs.destinationPort = input.destinationPort;
      attrs.method = head.method;
      attrs.path = head.path;
      attrs.host = head.host;
      const d = authorize(compiled, attrs);
      head = undefined;
      onDecision?.(d, attrs);
      return d;
    },
  };
}
