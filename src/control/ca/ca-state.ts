/**
 * The CA's persistent state under `<home>/ca/`: the root key (`root-key.pem`, mode 0600) and root
 * certificate (`root-cert.pem`), created at the control plane's first start and loaded (and
 * checked) at every later one. A user-supplied root or intermediate (`userCa`) is loaded instead and
 * nothing is written. An optional `next-root-cert.pem` (a root being rotated in) joins the trust
 * bundle, so the bundle holds the current and the next root during a root rotation.
 */
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { err, ok, type Result } from '../../core/result.js';
import { weftError, type WeftError } from '../../core/errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { CaSigner } from './ca-signer.js';
import { createRootCa } from './create-root-ca.js';
import { loadCa } from './load-ca.js';
import { createTrustBundle, type TrustBundle } from './trust-bundle.js';

export const caDirName = 'ca';
export const rootKeyFile = 'root-key.pem';
export const rootCertFile = 'root-cert.pem';
export const nextRootCertFile = 'next-root-cert.pem';

/** User-supplied CA material (PEM text, read by the caller). */
export interface UserCaMaterial {
  /** The signing certificate first, then intermediates (the root may follow last). */
  readonly certChainPem: string;
  readonly keyPem: string;
  /** The root, when the chain does not end with it. */
  readonly rootPem?: string;
}

export interface OpenCaStateOptions {
  /** `$WEFT_HOME`. */
  readonly home: string;
  readonly trustDomain: string;
  readonly clock: Clock;
  readonly userCa?: UserCaMaterial;
}

export interface CaState {
  readonly signer: CaSigner;
  readonly bundle: TrustBundle;
  /** The CA's folder (`<home>/ca`), where the token table lives too. */
  readonly dir: string;
  /** True when this call created a new root. */
  readonly created: boolean;
}

/** Loads or creates the CA. Errors: `WEFT_CA_STATE_IO`, `WEFT_CA_MATERIAL_INVALID`. */
export async function openCaState(options: OpenCaStateOptions): Promise<Result<CaState, WeftError>> {
  const dir = join(options.home, caDirName);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    return err(weftError('WEFT_CA_STATE_IO', `cannot create ${dir}: ${message(e)}`));
  }
  let signer: CaSigner;
  let created = false;
  if (options.userCa !== undefined) {
    const loaded = await loadCa({ trustDomain: options.trustDomain, clock: options.clock, ...options.userCa });
    if (!loaded.ok) return err(loaded.error);
    signer = loaded.value;
  } else {
    const keyPath = join(dir, rootKeyFile);
    const certPath = join(dir, rootCertFile);
    const keyPem = readIfExists(keyPath);
    const certPem = readIfExists(certPath);
    if (!keyPem.ok) return err(keyPem.error);
    if (!certPem.ok) return err(certPem.error);
    if (keyPem.value === undefined && certPem.value === undefined) {
      const root = await createRootCa({ trustDomain: options.trustDomain, clock: options.clock });
      try {
        // The key first: a crash between the two writes leaves a key without a certificate, which
        // the next start reports instead of silently minting a second root.
        writeFileAtomic(keyPath, root.keyPem, 0o600);
        writeFileAtomic(certPath, root.signer.certPem, 0o644);
      } catch (e) {
        return err(weftError('WEFT_CA_STATE_IO', `cannot write the root CA under ${dir}: ${message(e)}`));
      }
      signer = root.signer;
      created = true;
    } else if (keyPem.value === undefined || certPem.value === undefined) {
      return err(weftError('WEFT_CA_MATERIAL_INVALID', `${dir} holds only one of ${rootKeyFile} and ${rootCertFile}; restore the other or remove both to create a new root`));
    } else {
      try {
        chmodSync(keyPath, 0o600); // keep the key private even if someone loosened it
      } catch (e) {
        return err(weftError('WEFT_CA_STATE_IO', `cannot protect ${keyPath}: ${message(e)}`));
      }
      const loaded = await loadCa({ trustDomain: options.trustDomain, clock: options.clock, certChainPem: certPem.value, keyPem: keyPem.value });
      if (!loaded.ok) return err(loaded.error);
      signer = loaded.value;
    }
  }
  const next = readIfExists(join(dir, nextRootCertFile));
  if (!next.ok) return err(next.error);
  const bundle = createTrustBundle(next.value === undefined ? [signer.rootPem] : [next.value, signer.rootPem]);
  if (!bundle.ok) return err(bundle.error);
  return ok(Object.freeze({ signer, bundle: bundle.value, dir, created }));
}

function readIfExists(path: string): Result<string | undefined, WeftError> {
  try {
    return ok(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok(undefined);
    return err(weftError('WEFT_CA_STATE_IO', `cannot read ${path}: ${message(e)}`));
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : 'unknown error';
}
