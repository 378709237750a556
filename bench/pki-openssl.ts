// Throwaway test PKI made with the openssl program (benchmarking.md A.2): ECDSA P-256 CA, a server and a
// client identity with SPIFFE URI SANs, one more identity of the same CA (for the authorization check)
// and a cert from another CA (for the mTLS check).
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientSpiffeId, otherSpiffeId, serverName, serverSpiffeId, type PkiPaths } from './configs.js';

function openssl(dir: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd: dir, timeout: 20000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`openssl ${args.slice(0, 2).join(' ')}: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}

async function issue(dir: string, name: string, ca: string, cn: string, san: string): Promise<void> {
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  await openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/O=weft-test/CN=${cn}`, '-out', `${name}.csr`]);
  writeFileSync(
    join(dir, `${name}.ext`),
    `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n`,
  );
  await openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`,
  ]);
}

async function rootCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  await openssl(dir, [
    'req', '-x509', '-new', '-key', `${name}.key`, '-sha256', '-days', '2', '-subj', `/O=weft-test/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', `${name}.crt`,
  ]);
}

/** Creates the PKI in `dir` (which must exist) and returns the file paths. */
export async function createOpensslPki(dir: string): Promise<PkiPaths> {
  await rootCa(dir, 'ca', 'weft-test-root-ca');
  await issue(dir, 'server', 'ca', serverName, `DNS:${serverName},IP:127.0.0.1,URI:${serverSpiffeId}`);
  await issue(dir, 'client', 'ca', 'weft-client', `URI:${clientSpiffeId}`);
  await issue(dir, 'other', 'ca', 'weft-other', `URI:${otherSpiffeId}`);
  await rootCa(dir, 'rogue-ca', 'rogue-ca');
  await issue(dir, 'rogue', 'rogue-ca', 'rogue', `URI:${clientSpiffeId}`);
  const p = (f: string): string => join(dir, f);
  for (const name of ['server', 'client']) {
    writeFileSync(p(`${name}.pem`), readFileSync(p(`${name}.crt`), 'utf8') + readFileSync(p(`${name}.key`), 'utf8'));
  }
  for (const f of ['ca.key', 'server.key', 'client.key', 'other.key', 'rogue-ca.key', 'rogue.key', 'server.pem', 'client.pem']) {
    chmodSync(p(f), 0o600);
  }
  return {
    dir,
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    serverPem: p('server.pem'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    clientPem: p('client.pem'),
    otherCert: p('other.crt'),
    otherKey: p('other.key'),
    rogueCert: p('rogue.crt'),
    rogueKey: p('rogue.key'),
  };
}
