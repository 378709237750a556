/**
 * POST /api/v1/apply: validates every document first (all problems of all documents, with field
 * paths, in one 400 answer; nothing is written when one is invalid), then creates or updates each
 * in order. A store failure part-way (a conflict, an I/O error) answers with that error; the
 * documents before it stay applied and are named in the message.
 */
import type { ServerResponse } from 'node:http';
import type { ResourceValidator } from '../../api/validate.js';
import type { ResourceStore } from '../store/resource-store.js';
import { isClusterScoped, refOf } from '../store/resource-ref.js';
import type { ApplyItemResult, ApplyResponse } from './api-types.js';
import { sendError, sendJson, type ApiProblem } from './http-json.js';
import { isRecord } from '../../core/is-record.js';

const maxDocuments = 10_000;

/** kind/namespace/name of a raw document, as far as it says. */
function describeRaw(raw: unknown): Pick<ApiProblem, 'kind' | 'namespace' | 'name'> {
  if (!isRecord(raw)) return {};
  const kind = typeof raw['kind'] === 'string' ? raw['kind'] : undefined;
  const meta = isRecord(raw['metadata']) ? raw['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : undefined;
  const namespace = kind !== undefined && isClusterScoped(kind) ? undefined : typeof meta['namespace'] === 'string' ? meta['namespace'] : 'default';
  return { ...(kind !== undefined ? { kind } : {}), ...(namespace !== undefined && kind !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}) };
}

export async function handleApply(body: unknown, res: ServerResponse, store: ResourceStore, validator: ResourceValidator): Promise<void> {
  if (!isRecord(body) || !Array.isArray(body['resources'])) {
    sendError(res, 'WEFT_CONTROL_BAD_REQUEST', 'the body must be {"resources": [ ... ]}');
    return;
  }
  const docs: readonly unknown[] = body['resources'];
  if (docs.length === 0 || docs.length > maxDocuments) {
    sendError(res, 'WEFT_CONTROL_BAD_REQUEST', `apply takes 1 to ${maxDocuments} resources, not ${docs.length}`);
    return;
  }
  const problems: ApiProblem[] = [];
  let errors = 0;
  docs.forEach((raw, index) => {
    const result = validator.validate(raw);
    const found = result.ok ? result.value.warnings : result.error;
    for (const p of found) {
      if (p.severity === 'error') errors++;
      problems.push({ index, ...describeRaw(raw), path: p.path, message: p.message, severity: p.severity });
    }
  });
  if (errors > 0) {
    sendError(res, 'WEFT_CONFIG_INVALID', `${errors} ${errors === 1 ? 'error' : 'errors'}: nothing was applied`, problems);
    return;
  }
  const results: ApplyItemResult[] = [];
  for (const [index, raw] of docs.entries()) {
    const written = await store.apply(raw);
    if (!written.ok) {
      const done = results.length === 0 ? 'nothing was applied' : `the ${results.length} before it were applied`;
      const where = describeRaw(raw);
      sendError(res, written.error.code, `document ${index + 1}: ${written.error.message} (${done})`, written.error.problems?.map((p) => ({ index, ...where, ...p })));
      return;
    }
    const ref = refOf(written.value.resource);
    results.push({
      kind: ref.kind,
      ...(ref.namespace !== '' ? { namespace: ref.namespace } : {}),
      name: ref.name,
      outcome: written.value.outcome,
      resourceVersion: written.value.resource.metadata.resourceVersion ?? '',
      warnings: written.value.warnings.map((p) => ({ index, ...describeRaw(raw), ...p })),
    });
  }
  const answer: ApplyResponse = { results };
  sendJson(res, 200, answer);
}
