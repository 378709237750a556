/**
 * Where a running proxy's identity comes from: one `TlsCredentials` (src/proxy/tls/) fed either by
 * watched files (`--cert --key --ca`: cert-manager, a renewal job, a Secret volume) or by the identity
 * client (control mode: the control plane's CA). Either way a rotation reaches new connections only;
 * open ones keep the context they were made with.
 */
import type { WeftError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import type { IdentityClient } from '../identity-client/identity-client.js';
import { loadIdentityFiles, watchIdentityFiles, type IdentityFilePaths } from '../tls/identity-files.js';
import { createTlsCredentials, type TlsCredentials } from '../tls/tls-credentials.js';

export interface IdentitySource {
  readonly credentials: TlsCredentials;
  /** New material could not be had (the current one stays); the runtime logs and counts it. */
  onProblem(listener: (e: WeftError) => void): void;
  /** Stops watching or renewing. */
  close(): void;
}

/** Loads the three files (failing with a clear error), then follows their changes. */
export async function createFileIdentitySource(paths: IdentityFilePaths): Promise<Result<IdentitySource, WeftError>> {
  const first = await loadIdentityFiles(paths);
  if (!first.ok) return err(first.error);
  const credentials = createTlsCredentials(first.value, 'STRICT');
  const problems: ((e: WeftError) => void)[] = [];
  const watcher = watchIdentityFiles(paths, {
    current: first.value,
    onMaterial: (m) => credentials.update(m),
    onError: (e) => {
      for (const l of problems) l(e);
    },
  });
  return ok({
    credentials,
    onProblem: (l) => void problems.push(l),
    close: () => watcher.close(),
  });
}

/** Credentials fed by a started identity client that already holds its first certificate. */
export function createClientIdentitySource(client: IdentityClient): IdentitySource {
  const first = client.material();
  if (first === undefined) throw new Error('createClientIdentitySource: the identity client has no certificate yet');
  const credentials = createTlsCredentials(first, 'STRICT');
  const stop = client.onMaterial((m) => credentials.update(m));
  return {
    credentials,
    // The identity client reports its own failures (main logs them with the retry time).
    onProblem: () => undefined,
    close: () => {
      stop();
      client.stop();
    },
  };
}
