// Starts the upstream and the benchmarked chains (A direct, B HAProxy, W Weft) and checks each one
// before any load: right status and body, mTLS refusals at hop 2, and (W) authorization.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProxyConfigId } from './args.js';
import { haproxyHop1Cfg, haproxyHop2Cfg, nginxUpstreamConf, serverName, upstreamBody, type PkiPaths } from './configs.js';
import { freePort, httpGet, runBounded, waitForPort, type ProcessRegistry, type Started } from './processes.js';
import type { HopRole } from './proxy-results.js';
import { countLines } from './count-lines.js';
import { fmtInt } from './markdown.js';
import { sumMetric } from './prom-text.js';
import { describeProbe, probeTls } from './tls-probe.js';
import { weftHop1Snapshot, weftHop2Snapshot } from './weft-snapshot.js';

export interface ChainHop {
  readonly role: HopRole;
  readonly pid: number;
}

export interface Chain {
  readonly id: ProxyConfigId;
  readonly label: string;
  /** Where the load generators connect (always 127.0.0.1). */
  readonly url: string;
  readonly hops: readonly ChainHop[];
  /** hop 2's listening port, where hop 1's pooled mTLS connections arrive (chains only). */
  readonly interHopPort?: number;
  readonly checks: readonly string[];
  /** Runs after the last round (W: reads /metrics and counts access-log lines): more checks, and warnings
   * about the run's validity that the report shows beside the targets. */
  readonly afterRun?: () => Promise<{ checks: string[]; warnings: string[] }>;
}

export type ChainStart = { readonly ok: true; readonly chain: Chain } | { readonly ok: false; readonly reason: string };

export const labels: Readonly<Record<ProxyConfigId, string>> = {
  A: 'A direct (no proxy)',
  B: 'B HAProxy 2-hop mTLS',
  W: 'W Weft 2-hop mTLS',
  V: 'V Weft 2-hop mTLS, no weft-mux',
};

const startTimeoutMs = 15000;

function tail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no log)';
  }
}

async function waitStarted(s: Started, port: number, log: string): Promise<void> {
  let dead = false;
  void s.exited.then(() => {
    dead = true;
  });
  try {
    await waitForPort(port, startTimeoutMs, () => dead);
  } catch (e) {
    throw new Error(`${s.name}: ${(e as Error).message}; log: ${tail(log)}`);
  }
}

/** Checks that a GET through `url` answers 200 with exactly the upstream's 1 KiB body. */
async function checkBody(url: string): Promise<string> {
  const r = await httpGet(url, 5000);
  const expected = upstreamBody();
  if (r.status !== 200 || r.body !== expected) {
    throw new Error(`GET ${url} answered ${r.status} with ${r.body.length} bytes (want 200 and the 1,024-byte body): ${r.body.slice(0, 120)}`);
  }
  return '200 with the identical 1,024-byte body';
}

/** The shared upstream: nginx, 1 worker, `return 200` with 1 KiB. */
export async function startUpstream(reg: ProcessRegistry, dir: string): Promise<{ port: number; pid: number }> {
  const port = await freePort();
  const conf = join(dir, 'nginx-upstream.conf');
  writeFileSync(conf, nginxUpstreamConf({ dir, port }));
  const log = join(dir, 'nginx-upstream.log');
  const s = reg.start('nginx upstream', 'nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'nginx-upstream.error.log')], log);
  await waitStarted(s, port, log);
  await checkBody(`http://127.0.0.1:${port}/`);
  return { port, pid: s.pid };
}

export function directChain(upstream: { port: number; pid: number }): Chain {
  return {
    id: 'A',
    label: labels.A,
    url: `http://127.0.0.1:${upstream.port}/`,
    hops: [{ role: 'upstream', pid: upstream.pid }],
    checks: ['200 with the 1,024-byte body'],
  };
}

/** Checks hop 2 refuses a client without a certificate and one from another CA. */
async function mtlsChecks(port: number, pki: PkiPaths, alpn: readonly string[] | undefined): Promise<string[]> {
  const base = { port, caFile: pki.caCert, servername: serverName, ...(alpn ? { alpn } : {}) };
  const none = await probeTls(base);
  const rogue = await probeTls({ ...base, certFile: pki.rogueCert, keyFile: pki.rogueKey });
  const out: string[] = [];
  if (none.kind !== 'refused') throw new Error(`hop 2 accepted a client without a certificate: ${describeProbe(none)}`);
  out.push('hop2 refuses a client without a certificate');
  if (rogue.kind !== 'refused') throw new Error(`hop 2 accepted a certificate from another CA: ${describeProbe(rogue)}`);
  out.push('hop2 refuses a certificate from another CA');
  return out;
}

export async function startHaproxyChain(reg: ProcessRegistry, dir: string, pki: PkiPaths, upstreamPort: number): Promise<ChainStart> {
  try {
    const hop1Port = await freePort();
    const hop2Port = await freePort();
    const cfg2 = join(dir, 'haproxy-hop2.cfg');
    const cfg1 = join(dir, 'haproxy-hop1.cfg');
    writeFileSync(cfg2, haproxyHop2Cfg({ listenPort: hop2Port, upstreamPort, pki }));
    writeFileSync(cfg1, haproxyHop1Cfg({ listenPort: hop1Port, hop2Port, pki }));
    const log2 = join(dir, 'haproxy-hop2.log');
    const log1 = join(dir, 'haproxy-hop1.log');
    const h2 = reg.start('haproxy hop2', 'haproxy', ['-db', '-f', cfg2], log2);
    await waitStarted(h2, hop2Port, log2);
    const h1 = reg.start('haproxy hop1', 'haproxy', ['-db', '-f', cfg1], log1);
    await waitStarted(h1, hop1Port, log1);
    const url = `http://127.0.0.1:${hop1Port}/`;
    const checks = [await checkBody(url), ...(await mtlsChecks(hop2Port, pki, undefined))];
    const ok = await probeTls({ port: hop2Port, caFile: pki.caCert, servername: serverName, certFile: pki.clientCert, keyFile: pki.clientKey });
    if (ok.kind !== 'http' || ok.status !== 200) throw new Error(`hop 2 with the client certificate: ${describeProbe(ok)}`);
    checks.push(`hop2 answers 200 to the client certificate over ${ok.tls}`);
    return {
      ok: true,
      chain: { id: 'B', label: labels.B, url, hops: [{ role: 'hop1', pid: h1.pid }, { role: 'hop2', pid: h2.pid }], interHopPort: hop2Port, checks },
    };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** The compiled `weft` CLI entry, from dist/bench/ to dist/src/cli/main.js. */
export function weftCliPath(): string {
  return fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
}

/** How to run `weft proxy` on this checkout, or why it cannot run (yet). */
export async function detectWeftProxy(): Promise<{ ok: true; help: string } | { ok: false; reason: string }> {
  const cli = weftCliPath();
  if (!existsSync(cli)) return { ok: false, reason: `${cli} is missing (run npm run build)` };
  const r = await runBounded(process.execPath, [cli, 'proxy', '--help'], 15000);
  const text = `${r.stdout}\n${r.stderr}`.trim();
  if (r.code !== 0 || r.timedOut) {
    const first = text.split('\n')[0] ?? '';
    return { ok: false, reason: `\`weft proxy\` is not built yet (\`weft proxy --help\` exited ${r.timedOut ? 'by timeout' : String(r.code)}: ${first})` };
  }
  for (const flag of ['--snapshot', '--cert', '--key', '--ca']) {
    if (!text.includes(flag)) return { ok: false, reason: `\`weft proxy --help\` does not list ${flag}` };
  }
  return { ok: true, help: text };
}

const weftAlpn = ['weft-http1'] as const;

/** Waits (bounded) for the ready line `weft proxy` prints first on stdout, which names its admin port. */
async function waitWeftReady(s: Started, stdoutFile: string, log: string): Promise<{ admin: number }> {
  const deadline = Date.now() + startTimeoutMs;
  let dead = false;
  void s.exited.then(() => {
    dead = true;
  });
  for (;;) {
    let first = '';
    try {
      const text = readFileSync(stdoutFile, 'utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) first = text.slice(0, nl);
    } catch {
      // not written yet
    }
    if (first.length > 0) {
      const ready = JSON.parse(first) as { ready?: unknown; admin?: unknown };
      if (ready.ready !== true || typeof ready.admin !== 'number') throw new Error(`${s.name}: unexpected first stdout line ${first.slice(0, 200)}`);
      return { admin: ready.admin };
    }
    if (dead) throw new Error(`${s.name} exited before it was ready; log: ${tail(log)}`);
    if (Date.now() > deadline) throw new Error(`${s.name} printed no ready line in ${startTimeoutMs} ms; log: ${tail(log)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Two `weft proxy` processes: hop 1 with the client identity and an explicit outbound listener,
 * hop 2 with the server identity, an explicit inbound listener and the authorization policies; no
 * capture listeners, admin servers on free ports. stdout (the ready line, then access-log lines if the
 * proxy writes them there) goes to a file in `dir`, stderr (JSON logs) to another.
 */
export async function startWeftChain(
  reg: ProcessRegistry,
  dir: string,
  pki: PkiPaths,
  upstreamPort: number,
  nodeOptions: readonly string[] = [],
  /** V: hop 1 does not offer weft-mux (`--no-mesh-mux`): one TLS connection per pooled connection. */
  id: 'W' | 'V' = 'W',
): Promise<ChainStart> {
  const detected = await detectWeftProxy();
  if (!detected.ok) return { ok: false, reason: detected.reason };
  try {
    const ports = { hop1Listen: await freePort(), hop2Listen: await freePort(), upstream: upstreamPort };
    // The snapshots in a directory of their own, as a sidecar's mounted config would be: the proxy
    // watches its snapshot's directory, and the access logs and process logs written next to it
    // would wake that watch on every write (measured: ~2 % of a hop's CPU in the fs watcher).
    const snapDir = join(dir, 'weft-snapshots');
    mkdirSync(snapDir, { recursive: true });
    // The same goes for the certificates: the proxy watches their directory for rotation, and they
    // sit in `dir`; so the hops' logs go to a directory of their own, as a sidecar's would.
    const logDir = join(dir, 'weft-logs');
    mkdirSync(logDir, { recursive: true });
    const snap1 = join(snapDir, 'weft-hop1.snapshot.json');
    const snap2 = join(snapDir, 'weft-hop2.snapshot.json');
    writeFileSync(snap1, `${JSON.stringify(weftHop1Snapshot(ports), null, 2)}\n`);
    writeFileSync(snap2, `${JSON.stringify(weftHop2Snapshot(ports), null, 2)}\n`);
    // No capture listeners (15001/15006 would clash between the two hops); everything else at its default.
    const optional = ['--no-capture'].filter((f) => detected.help.includes(f));
    const start = async (name: string, snap: string, cert: string, key: string, listen: number): Promise<{ s: Started; admin: number }> => {
      const log = join(logDir, `weft-${name}.log`);
      const out = join(logDir, `weft-${name}.stdout`);
      const args = [...nodeOptions, weftCliPath(), 'proxy', '--snapshot', snap, '--cert', cert, '--key', key, '--ca', pki.caCert, '--admin-port', '0', ...optional];
      // If the command grows an access-log destination flag, log to a real file (what a sidecar would do).
      if (/--access-log[ =]/.test(detected.help)) args.push('--access-log', join(logDir, `weft-${name}.access.log`));
      if (id === 'V' && name === 'hop1') {
        if (!detected.help.includes('--no-mesh-mux')) throw new Error('`weft proxy` has no --no-mesh-mux');
        args.push('--no-mesh-mux');
      }
      const s = reg.start(`weft ${name}`, process.execPath, args, log, out);
      const ready = await waitWeftReady(s, out, log);
      await waitStarted(s, listen, log);
      return { s, admin: ready.admin };
    };
    const h2 = await start('hop2', snap2, pki.serverCert, pki.serverKey, ports.hop2Listen);
    const h1 = await start('hop1', snap1, pki.clientCert, pki.clientKey, ports.hop1Listen);
    const url = `http://127.0.0.1:${ports.hop1Listen}/`;
    const checks = [await checkBody(url), ...(await mtlsChecks(ports.hop2Listen, pki, weftAlpn))];
    const other = await probeTls({ port: ports.hop2Listen, caFile: pki.caCert, servername: serverName, certFile: pki.otherCert, keyFile: pki.otherKey, alpn: weftAlpn });
    if (other.kind !== 'http' || other.status !== 403) throw new Error(`authorization: another identity of the same CA got ${describeProbe(other)}, want HTTP 403`);
    checks.push(`hop2 answers 403 to another identity of the same CA (ALLOW policy), over ${other.tls}`);
    const admin = await httpGet(`${url}admin/x`, 5000);
    if (admin.status !== 403) throw new Error(`authorization: GET /admin/x through the chain got ${admin.status}, want 403 (DENY policy)`);
    checks.push('GET /admin/x through the chain gets 403 (DENY policy)');
    const afterRun = async (): Promise<{ checks: string[]; warnings: string[] }> => {
      const lines: string[] = [];
      const warnings: string[] = [];
      let accessLines = 0;
      for (const [name, adminPort] of [['hop1', h1.admin], ['hop2', h2.admin]] as const) {
        try {
          const m = await httpGet(`http://127.0.0.1:${adminPort}/metrics`, 5000);
          const req = sumMetric(m.body, 'weft_proxy_requests_total');
          const authz = sumMetric(m.body, 'weft_proxy_authz_decisions_total');
          lines.push(
            `${name} /metrics after the run: weft_proxy_requests_total ${req === undefined ? 'absent' : fmtInt(req)}` +
              (name === 'hop2' ? `, weft_proxy_authz_decisions_total ${authz === undefined ? 'absent' : fmtInt(authz)}` : ''),
          );
        } catch (e) {
          lines.push(`${name} /metrics unreadable: ${(e as Error).message}`);
        }
        // Access-log lines carry `duration_ms` (src/proxy/telemetry/access-log.ts); look on stdout and stderr.
        accessLines += countLines(join(logDir, `weft-${name}.stdout`), '"duration_ms"').matching;
        accessLines += countLines(join(logDir, `weft-${name}.log`), '"duration_ms"').matching;
        accessLines += countLines(join(logDir, `weft-${name}.access.log`), '"duration_ms"').matching;
      }
      try {
        // How hop 1 reached hop 2: weft-mux (streams of few mTLS connections) or one connection per pooled connection.
        const st = JSON.parse((await httpGet(`http://127.0.0.1:${h1.admin}/stats`, 5000)).body) as { peerPool?: { dials?: number; muxDials?: number; muxStreams?: number } };
        const p = st.peerPool;
        if (p !== undefined) lines.push(`hop1 → hop2 transport: ${fmtInt(p.muxDials ?? 0)} weft-mux connection(s) dialed carrying ${fmtInt(p.muxStreams ?? 0)} pooled connections as streams, ${fmtInt((p.dials ?? 0) - (p.muxDials ?? 0))} plain weft-http1 connection(s)`);
      } catch (e) {
        lines.push(`hop1 /stats unreadable: ${(e as Error).message}`);
      }
      if (accessLines > 0) lines.push(`access-log lines written by both hops: ${fmtInt(accessLines)}`);
      else {
        const w = "W wrote no access-log line (none on either hop's stdout, stderr or --access-log file although both snapshots turn it on): this run measured W without access logging";
        lines.push(`**${w}**`);
        warnings.push(w);
      }
      return { checks: lines, warnings };
    };
    return {
      ok: true,
      chain: {
        id,
        label: labels[id],
        url,
        hops: [{ role: 'hop1', pid: h1.s.pid }, { role: 'hop2', pid: h2.s.pid }],
        interHopPort: ports.hop2Listen,
        checks,
        afterRun,
      },
    };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
