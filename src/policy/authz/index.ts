/** Authorization (Istio AuthorizationPolicy semantics): compile once per snapshot, decide per request. */
export type {
  AuthorizationInput,
  AuthzAction,
  AuthzDecision,
  AuthzExplanation,
  AuthzPolicyInput,
  AuthzProtocol,
  AuthzRuleMatch,
  RequestAttributes,
} from './authz-types.js';
export { compileAuthorization, type CompiledAuthorization } from './compile-authorization.js';
export { authorize, explainAuthorization } from './authorize.js';
export { namespaceOfPrincipal, normalizePrincipal } from './principal.js';
export { normalizeRequestPath, normalizeRequestTarget } from './request-path.js';
