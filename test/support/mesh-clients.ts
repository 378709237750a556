/**
 * Helpers for tests against a real control plane: bootstrap tokens and workload certificates from its
 * API (a CSR made here, as a proxy does), and one HTTP/1.1 request over mTLS straight to a proxy's
 * inbound listener (ALPN weft-http1), as a peer proxy would send it.
 */
import { connect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorkloadCsr } from '../../src/proxy/tls/pkcs10-csr.js';

export interface MeshClientTls {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

export function adminTokenOf(home: string): string {
  return readFileSync(join(home, 'admin-token'), 'utf8').trim();
}

/** POST /api/v1/tokens: a bootstrap token for ns/sa. */
export async function createBootstrapToken(apiUrl: string, home: string, namespace: string, serviceAccount: string): Promise<{ token: string; id: string }> {
  const res = await fetch(`${apiUrl}/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminTokenOf(home)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ namespace, serviceAccount }),
  });
  const body = (await res.json()) as { token?: string; info?: { id: string } };
  if (res.status !== 201 || body.token === undefined || body.info === undefined) throw new Error(`token create: HTTP ${res.status} ${JSON.stringify(body)}`);
  return { token: body.token, id: body.info.id };
}

/** A workload certificate from the control plane's CA for `spiffeId`, with the token that grants it. */
export async function issueWorkloadCert(apiUrl: string, token: string, spiffeId: string): Promise<MeshClientTls> {
  const csr = createWorkloadCsr(spiffeId);
  if (!csr.ok) throw new Error(csr.error.message);
  const res = await fetch(`${apiUrl}/api/v1/certificates`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ csr: csr.value.csrPem }),
  });
  const body = (await res.json()) as { certChainPem?: string; trustBundlePem?: string };
  if (res.status !== 200 || body.certChainPem === undefined || body.trustBundlePem === undefined) throw new Error(`certificate: HTTP ${res.status} ${JSON.stringify(body)}`);
  return { certPem: body.certChainPem, keyPem: csr.value.keyPem, caPem: body.trustBundlePem };
}

/** GET `path` over mTLS to a proxy's inbound listener; resolves to the status code and body (bounded 5 s). */
export function mtlsGet(port: number, tls: MeshClientTls, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1', port, cert: tls.certPem, key: tls.keyPem, ca: tls.caPem,
      minVersion: 'TLSv1.3', ALPNProtocols: ['weft-http1'],
      // Mesh certificates name a SPIFFE ID, not a host.
      checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from 127.0.0.1:${port} in 5 s`));
    }, 5000);
    let data = '';
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => socket.write(`GET ${path} HTTP/1.1\r\nhost: app\r\nconnection: close\r\n\r\n`));
    socket.on('data', (c: string) => (data += c));
    socket.on('error', (e: Error) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (m === null) reject(new Error(`not an HTTP answer: ${JSON.stringify(data.slice(0, 200))}`));
      else resolve({ status: Number(m[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}
