/**
 * The control plane's CA at start: its persistent root (or the user's CA), the bootstrap token
 * table, the issuing function and the API routes, in one value the control plane keeps.
 */
import type { Clock } from '../../core/clock.js';
import { err, ok, type Result } from '../../core/result.js';
import type { WeftError } from '../../core/errors.js';
import { openCaState, type CaState, type UserCaMaterial } from './ca-state.js';
import { createCaRoutes, type ApiRoute } from './certificate-routes.js';
import { createCertificateIssuer, type IssueCertificate } from './issue-certificate.js';
import { openTokenStore, type TokenStore } from './tokens/token-store.js';

export interface StartCaOptions {
  /** `$WEFT_HOME`. */
  readonly home: string;
  readonly trustDomain: string;
  readonly clock: Clock;
  /** The admin token that guards token management. */
  readonly adminToken: string;
  /** Workload certificate lifetime, read per request (e.g. from the Mesh resource); default 24 h. */
  readonly lifetimeMs?: () => number | Promise<number>;
  readonly userCa?: UserCaMaterial;
}

export interface RunningCa {
  readonly state: CaState;
  readonly tokens: TokenStore;
  readonly issue: IssueCertificate;
  /** Mount on the API server (`createApiServer({ routes: [ca.routes] })`). */
  readonly routes: ApiRoute;
}

/** Opens or creates the CA under `<home>/ca`. Errors: `WEFT_CA_STATE_IO`, `WEFT_CA_MATERIAL_INVALID`. */
export async function startCa(options: StartCaOptions): Promise<Result<RunningCa, WeftError>> {
  const state = await openCaState({
    home: options.home,
    trustDomain: options.trustDomain,
    clock: options.clock,
    ...(options.userCa !== undefined ? { userCa: options.userCa } : {}),
  });
  if (!state.ok) return err(state.error);
  const tokens = openTokenStore(state.value.dir, options.clock);
  if (!tokens.ok) return err(tokens.error);
  const issue = createCertificateIssuer({
    signer: state.value.signer,
    bundle: state.value.bundle,
    tokens: tokens.value,
    clock: options.clock,
    ...(options.lifetimeMs !== undefined ? { lifetimeMs: options.lifetimeMs } : {}),
  });
  return ok({ state: state.value, tokens: tokens.value, issue, routes: createCaRoutes({ issue, tokens: tokens.value, adminToken: options.adminToken }) });
}
