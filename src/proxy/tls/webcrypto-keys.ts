/**
 * Key handling shared by the proxy (its own key and CSR) and the CA: WebCrypto keys from node's
 * `webcrypto`, PEM in and out. Workload keys are ECDSA P-256; a user-supplied CA key may also be
 * P-384 or RSA.
 */
import { createPrivateKey, webcrypto } from 'node:crypto';
import { err, ok, type Result } from '../../core/result.js';
import { weftError, type ErrorCode } from '../../core/errors.js';

export type WebCryptoKey = webcrypto.CryptoKey;
export type WebCryptoKeyPair = webcrypto.CryptoKeyPair;
export type SigningAlgorithm = webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams | webcrypto.Algorithm;

/** The WebCrypto implementation Weft passes explicitly to `@peculiar/x509` (no global provider). */
export const weftCrypto: webcrypto.Crypto = webcrypto;

export const ECDSA_P256: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

/** A key pair plus the algorithm that signs with it. */
export interface SigningKeyPair {
  readonly keys: WebCryptoKeyPair;
  readonly signingAlgorithm: SigningAlgorithm;
}

/** Generates an extractable ECDSA P-256 key pair (the private key is exported once, to PEM). */
export async function generateEcdsaP256(): Promise<SigningKeyPair> {
  const keys = await weftCrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  return { keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } };
}

/** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) of a private key. */
export async function privateKeyToPem(key: WebCryptoKey): Promise<string> {
  const der = Buffer.from(await weftCrypto.subtle.exportKey('pkcs8', key));
  return toPem('PRIVATE KEY', der);
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Imports a PEM private key (PKCS#8, SEC1 `EC PRIVATE KEY` or PKCS#1 RSA) for signing, with the
 * signature algorithm that fits it (ECDSA with SHA-256/384, RSA PKCS#1 v1.5 with SHA-256).
 */
export async function importSigningKey(pem: string, code: ErrorCode = 'WEFT_TLS_MATERIAL_INVALID'): Promise<Result<{ key: WebCryptoKey; signingAlgorithm: SigningAlgorithm }>> {
  let der: Buffer;
  let type: string | undefined;
  let curve: string | undefined;
  try {
    const keyObject = createPrivateKey(pem);
    type = keyObject.asymmetricKeyType;
    curve = keyObject.asymmetricKeyDetails?.namedCurve;
    der = keyObject.export({ type: 'pkcs8', format: 'der' });
  } catch (e) {
    return err(weftError(code, `cannot read private key: ${(e as Error).message}`));
  }
  try {
    if (type === 'ec' && (curve === 'prime256v1' || curve === 'secp384r1')) {
      const namedCurve = curve === 'prime256v1' ? 'P-256' : 'P-384';
      const key = await weftCrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve }, false, ['sign']);
      return ok({ key, signingAlgorithm: { name: 'ECDSA', hash: namedCurve === 'P-256' ? 'SHA-256' : 'SHA-384' } });
    }
    if (type === 'rsa') {
      const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      const key = await weftCrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
      return ok({ key, signingAlgorithm: algorithm });
    }
  } catch (e) {
    return err(weftError(code, `cannot import private key: ${(e as Error).message}`));
  }
  return err(weftError(code, `unsupported key type ${type ?? 'unknown'}${curve === undefined ? '' : ` (${curve})`}: use ECDSA P-256/P-384 or RSA`));
}
