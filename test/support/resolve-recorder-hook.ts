// A module customization hook (registered with `module.register`) that reports every resolved URL to
// the main thread over the MessagePort it is given. Used by `loaded-module-urls.ts`.
import type { MessagePort } from 'node:worker_threads';

let port: MessagePort | undefined;

interface ResolveResult {
  readonly url: string;
}

/** Receives the port the URLs are posted to. */
export function initialize(data: MessagePort): void {
  port = data;
}

/** Passes resolution on unchanged and records the URL. */
export async function resolve(specifier: string, context: unknown, next: (specifier: string, context: unknown) => Promise<ResolveResult>): Promise<ResolveResult> {
  const result = await next(specifier, context);
  port?.postMessage(result.url);
  return result;
}
