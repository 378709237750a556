/** The JSON shapes of the control plane API, shared by the server and the CLI. */
import type { Resource } from '../../api/resource.js';
import type { ApplyOutcome } from '../store/resource-store.js';
import type { ApiProblem } from './http-json.js';

export const apiPrefix = '/api/v1';

/** POST /api/v1/apply */
export interface ApplyRequest {
  readonly resources: readonly unknown[];
}

export interface ApplyItemResult {
  readonly kind: string;
  /** Absent for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly name: string;
  readonly outcome: ApplyOutcome;
  readonly resourceVersion: string;
  readonly warnings: readonly ApiProblem[];
}

export interface ApplyResponse {
  readonly results: readonly ApplyItemResult[];
}

/** GET /api/v1/resources[/KIND] */
export interface ListResponse {
  readonly items: readonly Resource[];
  readonly version: number;
}

/** DELETE /api/v1/resources/KIND/NAME */
export interface DeleteResponse {
  readonly deleted: Resource;
}

/** GET /api/v1/health */
export interface HealthResponse {
  readonly status: 'ok';
  readonly storeVersion: number;
}
