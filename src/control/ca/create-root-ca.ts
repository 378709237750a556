/**
 * Creates a fresh mesh root CA: ECDSA P-256, self-signed, CA:true, keyCertSign + cRLSign.
 */
import { x509 } from '../../proxy/tls/x509-lib.js';
import type { Clock } from '../../core/clock.js';
import { generateEcdsaP256, privateKeyToPem, weftCrypto } from '../../proxy/tls/webcrypto-keys.js';
import type { CaSigner } from './ca-signer.js';
import { randomSerial } from './serial.js';

export interface CreateRootCaOptions {
  readonly trustDomain: string;
  readonly clock: Clock;
  /** Validity of the root; default 10 years. */
  readonly lifetimeMs?: number;
  /** Subject common name; default `weft root CA <trust domain>`. */
  readonly commonName?: string;
}

export interface CreatedRootCa {
  readonly signer: CaSigner;
  /** PKCS#8 PEM of the root's private key: the caller stores it with tight permissions. */
  readonly keyPem: string;
}

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;
const ROOT_BACKDATE_MS = 3600 * 1000;

/** Generates a new root key and self-signed certificate. */
export async function createRootCa(options: CreateRootCaOptions): Promise<CreatedRootCa> {
  const { keys, signingAlgorithm } = await generateEcdsaP256();
  const now = options.clock.now();
  const serialNumber = randomSerial();
  // A distinct subject per root (serial prefix), so that during a root rotation the two roots in a
  // bundle are never told apart by key identifiers alone (some TLS stacks look issuers up by name).
  const name = `O=weft, CN=${escapeDnValue(options.commonName ?? `weft root CA ${options.trustDomain} ${serialNumber.slice(0, 8)}`)}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber,
      name,
      notBefore: new Date(now - ROOT_BACKDATE_MS),
      notAfter: new Date(now + (options.lifetimeMs ?? TEN_YEARS_MS)),
      keys,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, weftCrypto),
      ],
    },
    weftCrypto,
  );
  const certPem = cert.toString('pem') + '\n';
  return {
    signer: Object.freeze({
      trustDomain: options.trustDomain,
      certPem,
      cert,
      key: keys.privateKey,
      signingAlgorithm,
      chainPem: Object.freeze([]),
      rootPem: certPem,
    }),
    keyPem: await privateKeyToPem(keys.privateKey),
  };
}

function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}
