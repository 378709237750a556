// Pure generators of the peer configurations (benchmarking.md appendix A.4/A.5 and the upstream nginx).

/** Paths of the throwaway PKI (see pki-openssl.ts). */
export interface PkiPaths {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** cert + key in one file, as HAProxy wants it. */
  readonly serverPem: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly clientPem: string;
  /** Same CA, another identity: hop 2 must accept its TLS but authorization must deny it. */
  readonly otherCert: string;
  readonly otherKey: string;
  /** A cert from a different CA: hop 2 must refuse the handshake. */
  readonly rogueCert: string;
  readonly rogueKey: string;
}

export const trustDomain = 'weft.test';
export const serverName = 'weft-server.local';
export const clientSpiffeId = `spiffe://${trustDomain}/ns/default/sa/client`;
export const serverSpiffeId = `spiffe://${trustDomain}/ns/default/sa/server`;
export const otherSpiffeId = `spiffe://${trustDomain}/ns/default/sa/other`;

/** The upstream's response body: exactly 1 KiB of printable ASCII (no quotes, no `$`, safe in nginx). */
export function upstreamBody(): string {
  const line = 'weft-bench-1KiB-body-0123456789abcdefghijklmnopqrstuvwxyz';
  let s = '';
  while (s.length < 1024) s += line;
  return s.slice(0, 1024);
}

/** nginx upstream: 1 worker, keep-alive, `return 200` with the 1 KiB body; everything under `dir`. */
export function nginxUpstreamConf(o: { dir: string; port: number }): string {
  return `# Upstream for the proxy benchmark: 1 worker, keep-alive, 1 KiB body (benchmarking.md §2.2 A).
worker_processes 1;
daemon off;
pid ${o.dir}/nginx-upstream.pid;
error_log ${o.dir}/nginx-upstream.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_body_temp_path ${o.dir}/up-body;
  proxy_temp_path ${o.dir}/up-proxy;
  fastcgi_temp_path ${o.dir}/up-fcgi;
  uwsgi_temp_path ${o.dir}/up-uwsgi;
  scgi_temp_path ${o.dir}/up-scgi;
  server {
    listen 127.0.0.1:${o.port};
    default_type text/plain;
    location / {
      return 200 "${upstreamBody()}";
    }
  }
}
`;
}

/** HAProxy hop 1 ("client sidecar"): plain HTTP/1.1 in, pooled mTLS with the client cert out (A.4). */
export function haproxyHop1Cfg(o: { listenPort: number; hop2Port: number; pki: PkiPaths }): string {
  return `# HAProxy hop 1: plain HTTP/1.1 in on 127.0.0.1:${o.listenPort} -> mTLS (client cert) to hop 2.
global
  nbthread 1
  maxconn 4096
  ssl-server-verify required
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  option http-keep-alive
  http-reuse always
frontend plain_in
  bind 127.0.0.1:${o.listenPort}
  default_backend hop2_mtls
backend hop2_mtls
  server hop2 127.0.0.1:${o.hop2Port} ssl verify required ca-file ${o.pki.caCert} crt ${o.pki.clientPem} sni str(${serverName}) verifyhost ${serverName} ssl-min-ver TLSv1.3 pool-max-conn 64
`;
}

/** HAProxy hop 2 ("server sidecar"): mTLS in (client cert must chain to the CA), plain HTTP/1.1 out (A.5). */
export function haproxyHop2Cfg(o: { listenPort: number; upstreamPort: number; pki: PkiPaths }): string {
  return `# HAProxy hop 2: mTLS in on 127.0.0.1:${o.listenPort} -> plain HTTP/1.1 to the upstream.
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  option http-keep-alive
  http-reuse always
frontend mtls_in
  bind 127.0.0.1:${o.listenPort} ssl crt ${o.pki.serverPem} ca-file ${o.pki.caCert} verify required ssl-min-ver TLSv1.3
  default_backend app
backend app
  server up 127.0.0.1:${o.upstreamPort} pool-max-conn 64
`;
}
