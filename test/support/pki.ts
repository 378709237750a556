/**
 * A throwaway PKI for tests, built with Weft's own CA code: a root CA, workload certificates for
 * any SPIFFE ID, and the bad ones tests need (expired, not yet valid, from a rogue CA, wrong ID).
 * Everything is written as PEM files (mode 0600) in a fresh temp directory.
 *
 * Tests run as root. A proxy started as uid 1337 cannot read root-owned 0600 files: pass
 * `ownerUid: 1337` so the directory and files are chowned to that uid (root can still read them).
 *
 *   const pki = await createTestPki({ trustDomain: 'cluster.local' });
 *   const a = await pki.issue('spiffe://cluster.local/ns/default/sa/a');   // { certPath, keyPath, ... }
 *   ... tls with pki.caPath ...
 *   await pki.cleanup();
 */
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '../../src/core/clock.js';
import type { CaSigner } from '../../src/control/ca/ca-signer.js';
import { createRootCa } from '../../src/control/ca/create-root-ca.js';
import { signWorkloadCsr } from '../../src/control/ca/sign-workload-csr.js';
import { createWorkloadKeyAndCsr } from '../../src/proxy/tls/csr.js';
import { generateEcdsaP256, privateKeyToPem, weftCrypto } from '../../src/proxy/tls/webcrypto-keys.js';
import { x509 } from '../../src/proxy/tls/x509-lib.js';

export interface TestPkiOptions {
  /** Default `cluster.local`. */
  readonly trustDomain?: string;
  /** chown the directory and every file to this uid (e.g. 1337 for a proxy run as that user). */
  readonly ownerUid?: number;
}

export interface IssueOptions {
  /** Default 1 h. */
  readonly lifetimeMs?: number;
  /** Shift the issuing time from now (negative = in the past). notBefore = now + offset - 60 s. */
  readonly issuedAtOffsetMs?: number;
  /** Backdating of notBefore; default 60 s. */
  readonly backdateMs?: number;
  /** File base name in the directory; default derived from the SPIFFE ID and a counter. */
  readonly name?: string;
}

export interface IssuedFiles {
  readonly spiffeId: string;
  /** The leaf certificate, PEM (the root is not included; it is `caPem`). */
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

export interface TestPki {
  readonly dir: string;
  readonly trustDomain: string;
  /** The trusted root, PEM, and the file holding it (what a proxy's `--ca` points at). */
  readonly caPem: string;
  readonly caPath: string;
  /** The root's key, PEM, and the file holding it (for tests of CA services). */
  readonly caKeyPem: string;
  readonly caKeyPath: string;
  /** The CA itself, to sign CSRs directly. */
  readonly signer: CaSigner;
  /** A certificate of a second, untrusted root with the same trust domain, and that root. */
  readonly rogueCaPem: string;
  readonly rogueCaPath: string;
  /** A valid workload certificate for `spiffeId` (any ID, so also "wrong identity" certificates). */
  issue(spiffeId: string, options?: IssueOptions): Promise<IssuedFiles>;
  /** Expired an hour ago (issued two hours ago, one hour lifetime). */
  expired(spiffeId: string): Promise<IssuedFiles>;
  /** Valid only from an hour from now. */
  notYetValid(spiffeId: string): Promise<IssuedFiles>;
  /** Signed by the rogue root, otherwise well-formed. */
  rogue(spiffeId: string, options?: IssueOptions): Promise<IssuedFiles>;
  /**
   * A certificate signed by the trusted root whose URI SANs are exactly `uris` (e.g. none, two
   * SPIFFE IDs, or a non-mesh path), made directly, since the CA refuses such requests.
   */
  malformed(uris: readonly string[]): Promise<IssuedFiles>;
  /** Writes extra PEM text into the directory (0600), e.g. a bundle; returns its path. */
  writeFile(name: string, content: string): Promise<string>;
  /** Removes the directory. */
  cleanup(): Promise<void>;
}

const HOUR = 3600 * 1000;

/** Creates the PKI (two roots, ECDSA P-256) and writes the roots into a new temp directory. */
export async function createTestPki(options: TestPkiOptions = {}): Promise<TestPki> {
  const trustDomain = options.trustDomain ?? 'cluster.local';
  const dir = await mkdtemp(join(tmpdir(), 'weft-pki-'));
  const ownerUid = options.ownerUid;
  if (ownerUid !== undefined) await chown(dir, ownerUid, ownerUid);
  // Roots are issued a day in the past so that back-dated test certificates sit inside their validity.
  const rootClock = createManualClock(Date.now() - 24 * HOUR);
  const root = await createRootCa({ trustDomain, clock: rootClock, commonName: `weft test root ${trustDomain}` });
  const rogueRoot = await createRootCa({ trustDomain, clock: rootClock, commonName: `weft ROGUE root ${trustDomain}` });
  let counter = 0;

  const write = async (name: string, content: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, content, { mode: 0o600 });
    await chmod(path, 0o600);
    if (ownerUid !== undefined) await chown(path, ownerUid, ownerUid);
    return path;
  };

  const issueWith = async (signer: CaSigner, spiffeId: string, o: IssueOptions = {}): Promise<IssuedFiles> => {
    const pair = await createWorkloadKeyAndCsr(spiffeId);
    if (!pair.ok) throw new Error(`test PKI: ${pair.error.message}`);
    const clock = createManualClock(Date.now() + (o.issuedAtOffsetMs ?? 0));
    const signed = await signWorkloadCsr(signer, pair.value.csrPem, spiffeId, {
      clock,
      lifetimeMs: o.lifetimeMs ?? HOUR,
      ...(o.backdateMs === undefined ? {} : { backdateMs: o.backdateMs }),
    });
    if (!signed.ok) throw new Error(`test PKI: ${signed.error.message}`);
    counter += 1;
    const base = o.name ?? `${spiffeId.replace(/^spiffe:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '_')}-${counter}`;
    return {
      spiffeId,
      certPem: signed.value.certPem,
      keyPem: pair.value.keyPem,
      certPath: await write(`${base}.crt`, signed.value.chainPem),
      keyPath: await write(`${base}.key`, pair.value.keyPem),
      notBefore: signed.value.notBefore,
      notAfter: signed.value.notAfter,
    };
  };

  return {
    dir,
    trustDomain,
    caPem: root.signer.certPem,
    caPath: await write('ca.crt', root.signer.certPem),
    caKeyPem: root.keyPem,
    caKeyPath: await write('ca.key', root.keyPem),
    signer: root.signer,
    rogueCaPem: rogueRoot.signer.certPem,
    rogueCaPath: await write('rogue-ca.crt', rogueRoot.signer.certPem),
    issue: (spiffeId, o) => issueWith(root.signer, spiffeId, o),
    expired: (spiffeId) => issueWith(root.signer, spiffeId, { issuedAtOffsetMs: -2 * HOUR, lifetimeMs: HOUR, name: `expired-${++counter}` }),
    notYetValid: (spiffeId) => issueWith(root.signer, spiffeId, { issuedAtOffsetMs: HOUR, backdateMs: 0, name: `not-yet-valid-${++counter}` }),
    rogue: (spiffeId, o) => issueWith(rogueRoot.signer, spiffeId, { name: `rogue-${++counter}`, ...o }),
    malformed: async (uris) => {
      const { keys } = await generateEcdsaP256();
      const now = Date.now();
      const cert = await x509.X509CertificateGenerator.create(
        {
          subject: 'CN=malformed',
          issuer: root.signer.cert.subjectName,
          notBefore: new Date(now - 60_000),
          notAfter: new Date(now + HOUR),
          publicKey: keys.publicKey,
          signingKey: root.signer.key,
          signingAlgorithm: root.signer.signingAlgorithm,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
            ...(uris.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(uris.map((value) => ({ type: 'url' as const, value })))]),
          ],
        },
        weftCrypto,
      );
      const certPem = cert.toString('pem') + '\n';
      const keyPem = await privateKeyToPem(keys.privateKey);
      const base = `malformed-${++counter}`;
      return {
        spiffeId: uris[0] ?? '',
        certPem,
        keyPem,
        certPath: await write(`${base}.crt`, certPem),
        keyPath: await write(`${base}.key`, keyPem),
        notBefore: cert.notBefore.getTime(),
        notAfter: cert.notAfter.getTime(),
      };
    },
    writeFile: write,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
