/**
 * A PKCS#10 certificate signing request (RFC 2986) for a workload identity, encoded by hand (see
 * `der.ts`): the subject (an optional common name), the public key as given (SubjectPublicKeyInfo
 * DER), one extensionRequest attribute holding a critical subjectAltName with one URI (the SPIFFE
 * ID), signed ecdsa-with-SHA256. `encodeCsr` is pure (the signature comes from the callback);
 * `createWorkloadCsr` generates the key with node:crypto and signs.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { err, ok, type Result } from '../../core/result.js';
import { derBitString, derBoolean, derObjectIdentifier, derOctetString, derSequence, derSet, derSmallInteger, derTlv, derUtf8String } from './der.js';
import { parseSpiffeId } from './spiffe-id.js';
import { toPem } from './pem.js';

const OID_COMMON_NAME = '2.5.4.3';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

export interface CsrFields {
  /** SubjectPublicKeyInfo, DER (`publicKey.export({ type: 'spki', format: 'der' })`). */
  readonly spkiDer: Uint8Array;
  /** The one URI SAN (the SPIFFE ID); IA5 characters only. */
  readonly uri: string;
  readonly commonName?: string;
}

/** The to-be-signed part (CertificationRequestInfo). */
export function encodeCsrInfo(fields: CsrFields): Uint8Array {
  if (!/^[\x21-\x7e]+$/.test(fields.uri)) throw new RangeError('the URI SAN must be printable ASCII without spaces');
  const subject = fields.commonName === undefined
    ? derSequence()
    : derSequence(derSet(derSequence(derObjectIdentifier(OID_COMMON_NAME), derUtf8String(fields.commonName))));
  // GeneralName uniformResourceIdentifier: [6] IMPLICIT IA5String.
  const generalNames = derSequence(derTlv(0x86, new TextEncoder().encode(fields.uri)));
  // With an empty subject the SAN must be critical (RFC 5280 §4.2.1.6); critical either way.
  const extensions = derSequence(derSequence(derObjectIdentifier(OID_SUBJECT_ALT_NAME), derBoolean(true), derOctetString(generalNames)));
  const attributes = derTlv(0xa0, derSequence(derObjectIdentifier(OID_EXTENSION_REQUEST), derSet(extensions)));
  return derSequence(derSmallInteger(0), subject, fields.spkiDer, attributes);
}

/** The whole request, DER: `signDer` returns the DER ECDSA-Sig-Value over the info bytes (SHA-256). */
export function encodeCsr(fields: CsrFields, signDer: (info: Uint8Array) => Uint8Array): Uint8Array {
  const info = encodeCsrInfo(fields);
  return derSequence(info, derSequence(derObjectIdentifier(OID_ECDSA_WITH_SHA256)), derBitString(signDer(info)));
}

export interface WorkloadCsr {
  /** PKCS#8 PEM of the new private key: it stays in this process (never written, never sent). */
  readonly keyPem: string;
  /** PKCS#10 PEM with exactly one URI SAN, the SPIFFE ID. */
  readonly csrPem: string;
}

/** Generates an ECDSA P-256 key and a CSR for `spiffeId` (refused if it is not a mesh SPIFFE ID). */
export function createWorkloadCsr(spiffeId: string, commonName?: string): Result<WorkloadCsr> {
  const id = parseSpiffeId(spiffeId);
  if (!id.ok) return err(id.error);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = encodeCsr(
    { spkiDer: publicKey.export({ type: 'spki', format: 'der' }), uri: id.value.uri, ...(commonName === undefined ? {} : { commonName }) },
    (info) => signSha256(privateKey, info),
  );
  return ok({ keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, csrPem: toPem('CERTIFICATE REQUEST', der) });
}

function signSha256(key: KeyObject, data: Uint8Array): Uint8Array {
  // For EC keys node returns the DER ECDSA-Sig-Value (dsaEncoding 'der' is the default).
  return sign('sha256', data, key);
}
