/**
 * TEMPORARY test PKI for the HTTP/1.1 engine tests (openssl, ECDSA P-256, SPIFFE URI SANs), used
 * until test/support/pki.ts (helper identity) lands on main. Files go to a fresh temp dir.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempCert {
  readonly cert: string;
  readonly key: string;
  readonly spiffeId: string;
}

export interface TempPki {
  readonly ca: string;
  issue(spiffeId: string): TempCert;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createTempPki(): TempPki {
  const dir = mkdtempSync(join(tmpdir(), 'weft-http1-pki-'));
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '2', '-subj', '/O=weft-test/CN=weft test CA', '-out', 'ca.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  let n = 0;
  return {
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    issue(spiffeId: string): TempCert {
      n++;
      writeFileSync(join(dir, `ext${n}.cnf`), `subjectAltName=URI:${spiffeId}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n`);
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `w${n}.key`], dir);
      openssl(['req', '-new', '-key', `w${n}.key`, '-subj', `/O=weft-test/CN=w${n}`, '-out', `w${n}.csr`], dir);
      openssl(['x509', '-req', '-in', `w${n}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-sha256', '-extfile', `ext${n}.cnf`, '-out', `w${n}.pem`], dir);
      return { cert: readFileSync(join(dir, `w${n}.pem`), 'utf8'), key: readFileSync(join(dir, `w${n}.key`), 'utf8'), spiffeId };
    },
    cleanup(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
