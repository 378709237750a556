/**
 * GET /api/v1/watch?after=N[&kind=K][&namespace=NS]: server-sent events, one per store change after
 * version N (or after the `Last-Event-ID` a reconnecting client sends): `id:` the version,
 * `event:` ADDED/MODIFIED/DELETED, `data:` the resource as JSON. A comment line every 15 s keeps
 * idle connections alive. A version the store no longer remembers answers 410 (list again).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KindInfo } from '../../api/kinds.js';
import type { ResourceStore, WatchEvent } from '../store/resource-store.js';
import { refOf } from '../store/resource-ref.js';
import { sendError } from './http-json.js';

const keepAliveMs = 15_000;

export async function handleWatch(req: IncomingMessage, res: ServerResponse, store: ResourceStore, params: URLSearchParams, kind: KindInfo | undefined): Promise<void> {
  const lastEventId = req.headers['last-event-id'];
  const afterText = typeof lastEventId === 'string' ? lastEventId : (params.get('after') ?? String(store.version()));
  const after = Number(afterText);
  if (!Number.isSafeInteger(after) || after < 0) {
    sendError(res, 'WEFT_CONTROL_BAD_REQUEST', `after must be a store version (a non-negative integer), not "${afterText}"`);
    return;
  }
  const namespace = params.get('namespace') ?? undefined;
  const wanted = (e: WatchEvent): boolean => {
    const ref = refOf(e.resource);
    return (kind === undefined || ref.kind === kind.kind) && (namespace === undefined || ref.namespace === namespace);
  };
  // The store replays remembered events before `watch` resolves: hold them until we know the
  // watch is accepted (a refusal must still be able to answer 410 with a JSON body).
  let pending: WatchEvent[] | undefined = [];
  const send = (e: WatchEvent): void => {
    if (wanted(e)) res.write(`id: ${e.version}\nevent: ${e.type}\ndata: ${JSON.stringify(e.resource)}\n\n`);
  };
  const watch = await store.watch(after, (e) => {
    if (pending !== undefined) pending.push(e);
    else send(e);
  });
  if (!watch.ok) {
    sendError(res, watch.error.code, watch.error.message);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(': watching\n\n');
  const replay = pending;
  pending = undefined;
  for (const e of replay) send(e);
  const timer = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
  timer.unref();
  res.on('close', () => {
    clearInterval(timer);
    watch.value.cancel();
  });
}
