/**
 * The CA's signing identity: the certificate that signs workload certificates (a root, or a
 * user-supplied intermediate), its private key, and the chain above it up to the root.
 */
import type * as x509 from '@peculiar/x509';
import type { SigningAlgorithm, WebCryptoKey } from '../../proxy/tls/webcrypto-keys.js';

export interface CaSigner {
  readonly trustDomain: string;
  /** The signing certificate, PEM. */
  readonly certPem: string;
  readonly cert: x509.X509Certificate;
  readonly key: WebCryptoKey;
  readonly signingAlgorithm: SigningAlgorithm;
  /** Intermediates between the signer and the root (excluded), PEM, in order; empty for a root signer. */
  readonly chainPem: readonly string[];
  /** The root that anchors the chain, PEM (the signer itself when it is a root). */
  readonly rootPem: string;
}
