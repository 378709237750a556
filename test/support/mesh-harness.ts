/**
 * A whole mesh of real processes for the end-to-end tests of issue 3, run inside a network namespace
 * of the test's own (see own-netns.ts), so every port is a fixed, known one:
 * - `weft control` (child, its own WEFT_HOME) on 127.0.0.1:15080, distributor on 127.0.0.1:15012;
 * - the mesh applied with the real `weft apply -f`: a Mesh, namespace `mesh`, and per server i a
 *   Service `srv-i` (VIP 127.0.10.(i+1), port 80 → the app's port 8081+i, appProtocol http);
 * - per server i: a small HTTP app on 127.0.0.1:8081+i and a `weft proxy` joined to the control plane
 *   (bootstrap token from `weft token create`, registration file with `dialPort` 16001+i = its
 *   explicit inbound listener; `--no-capture`);
 * - per client j: a `weft proxy` with transparent capture on for its outbound side (port 15101+j),
 *   and an iptables REDIRECT of connections from 127.0.1.(j+1) to the VIPs onto that port. The load
 *   generator connects from 127.0.1.(j+1) to a VIP: client app → client proxy (captured outbound) →
 *   mTLS → server proxy (explicit inbound) → server app.
 * Every process is killed by PID in `close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from './processes.js';
import { runWeftProcess, weftBin, type WeftRun } from './control-process.js';
import type { ProxyStatus } from '../../src/control/distributor/distributor.js';

export const controlPort = 15080;
export const distributorPort = 15012;
export const controlUrl = `http://127.0.0.1:${controlPort}`;
export const meshNamespace = 'mesh';
export const trustDomain = 'cluster.local';

export const serverAppPort = (i: number): number => 8081 + i;
export const serverInboundPort = (i: number): number => 16001 + i;
export const serviceVip = (i: number): string => `127.0.10.${i + 1}`;
export const clientSource = (j: number): string => `127.0.1.${j + 1}`;
const clientOutboundPort = (j: number): number => 15101 + j;
const clientInboundCapturePort = (j: number): number => 15201 + j;
export const spiffeOf = (sa: string): string => `spiffe://${trustDomain}/ns/${meshNamespace}/sa/${sa}`;

export interface MeshOptions {
  readonly servers: number;
  readonly clients: number;
  /** `weft control --certificate-lifetime` (e.g. `60s`). */
  readonly certificateLifetime?: string;
  /** Extra manifests applied with the base mesh. */
  readonly extraManifest?: string;
}

export interface ControlHandle {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly output: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
}

export interface MeshProxy {
  /** `srv-0`, `client-1`: the instance name, its service account and its label `app`. */
  readonly name: string;
  readonly role: 'server' | 'client';
  readonly index: number;
  readonly key: string;
  readonly spiffeId: string;
  readonly tokenId: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly adminPort: number;
  /** stderr lines (the proxy's JSON log). */
  readonly logs: string[];
  readonly readyLine: string;
  readonly exited: Promise<number | null>;
}

export interface Mesh {
  readonly dir: string;
  readonly home: string;
  control: ControlHandle;
  readonly servers: readonly MeshProxy[];
  readonly clients: readonly MeshProxy[];
  readonly proxies: readonly MeshProxy[];
  /** Runs the real `weft` CLI against this control plane. */
  weft(args: readonly string[], stdin?: string): Promise<WeftRun & { readonly exitedAt: number }>;
  /** Writes `text` to a file and runs `weft apply -f FILE`. */
  apply(text: string, fileName: string): Promise<WeftRun & { readonly exitedAt: number }>;
  /** GET /api/v1/proxies. */
  proxyStatus(): Promise<readonly ProxyStatus[]>;
  /** Starts `weft control` again (same home, same ports). */
  startControl(): Promise<void>;
  /** kill -9 of the control plane, waited for. */
  killControl(): Promise<void>;
  /** Waits until `weft check` exits 0 (bounded); returns its last run. */
  waitForCheck(timeoutMs: number): Promise<WeftRun>;
  /** The load target from client j to server i. */
  target(client: number, server: number, path?: string): { name: string; host: string; port: number; path: string; localAddress: string; hostHeader: string };
  /** One request from client j to server i: status and body (0 and the error on failure). */
  request(client: number, server: number, path?: string): Promise<{ status: number; body: string }>;
  /** The last lines of every process's output, for failure messages. */
  tails(lines?: number): string;
  close(): Promise<void>;
}

function baseManifest(servers: number): string {
  const docs: string[] = [
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${meshNamespace}\n`,
    `apiVersion: weft.dev/v1alpha1\nkind: Mesh\nmetadata:\n  name: default\nspec:\n  trustDomain: ${trustDomain}\n  mtls:\n    mode: STRICT\n  defaultAction: ALLOW\n`,
  ];
  for (let i = 0; i < servers; i++) {
    docs.push([
      'apiVersion: v1', 'kind: Service', 'metadata:', `  name: srv-${i}`, `  namespace: ${meshNamespace}`, 'spec:',
      `  clusterIP: ${serviceVip(i)}`, '  selector:', `    app: srv-${i}`, '  ports:',
      '    - name: http', '      port: 80', `      targetPort: ${serverAppPort(i)}`, '      appProtocol: http', '',
    ].join('\n'));
  }
  return docs.join('---\n');
}

/** Starts `weft control` on the fixed ports; resolves once it prints its address. */
async function startControlProcess(home: string, lifetime: string | undefined, log: WriteStream): Promise<ControlHandle> {
  const args = [weftBin, 'control', '--listen', `127.0.0.1:${controlPort}`, '--distributor-listen', `127.0.0.1:${distributorPort}`,
    ...(lifetime !== undefined ? ['--certificate-lifetime', lifetime] : [])];
  const child = spawn(process.execPath, args, { cwd: dirname(home), env: { ...process.env, WEFT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onData = (c: Buffer): void => {
    log.write(c);
    output.push(...c.toString().split('\n').filter((l) => l !== ''));
  };
  child.stderr.on('data', onData);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weft control did not start in 15 s: ${output.join('\n')}`));
    }, 15_000);
    const early = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`weft control exited (${String(code)}) before listening: ${output.join('\n')}`));
    };
    child.once('exit', early);
    child.stdout.on('data', (c: Buffer) => {
      onData(c);
      if (output.some((l) => l.includes('proxies subscribe on'))) {
        clearTimeout(timer);
        child.off('exit', early);
        resolve();
      }
    });
  });
  return { child, pid: child.pid ?? 0, output, exited };
}

interface ProxySpec {
  readonly name: string;
  readonly role: 'server' | 'client';
  readonly index: number;
}

async function startMeshProxy(dir: string, spec: ProxySpec, token: { token: string; id: string }): Promise<MeshProxy> {
  const { name, role, index } = spec;
  const tokenFile = join(dir, `${name}.token`);
  const registrationFile = join(dir, `${name}.registration.json`);
  const stateDir = join(dir, `${name}-state`);
  await writeFile(tokenFile, `${token.token}\n`, { mode: 0o600 });
  const registration = {
    namespace: meshNamespace,
    name,
    serviceAccount: name,
    labels: { app: name, role },
    addresses: ['127.0.0.1'],
    ports: role === 'server' ? [{ port: serverAppPort(index), name: 'http', protocol: 'http', dialPort: serverInboundPort(index) }] : [],
  };
  await writeFile(registrationFile, `${JSON.stringify(registration, null, 2)}\n`);
  const args = [weftBin, 'proxy', '--control-url', controlUrl, '--token-file', tokenFile, '--registration', registrationFile,
    '--state-dir', stateDir, '--trust-domain', trustDomain, '--admin-port', '0', '--log-level', 'debug', '--drain-ms', '1000',
    ...(role === 'server' ? ['--no-capture'] : ['--outbound-port', String(clientOutboundPort(index)), '--inbound-port', String(clientInboundCapturePort(index))])];
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const logFile = createWriteStream(join(dir, `${name}.log`));
  let errBuf = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    logFile.write(c);
    errBuf += c;
    let i;
    while ((i = errBuf.indexOf('\n')) >= 0) {
      logs.push(errBuf.slice(0, i));
      errBuf = errBuf.slice(i + 1);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    logFile.end();
    resolve(code);
  }));
  const readyLine = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`proxy ${name} printed no ready line in 20 s; log:\n${logs.slice(-30).join('\n')}`)), 20_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const line = out.split('\n').find((l) => l.includes('"ready":true'));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`proxy ${name} exited (${String(code)}) before ready; log:\n${logs.slice(-30).join('\n')}${errBuf}`));
    });
  });
  const admin = (JSON.parse(readyLine) as { admin?: number }).admin ?? 0;
  return { name, role, index, key: `${meshNamespace}/${name}`, spiffeId: spiffeOf(name), tokenId: token.id, child, pid: child.pid ?? 0, adminPort: admin, logs, readyLine, exited };
}

async function killPid(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await exited;
}

/** Builds the whole mesh; on any failure, everything started so far is killed before it throws. */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-mesh-'));
  const home = join(dir, 'home');
  const controlLog = createWriteStream(join(dir, 'control.log'), { flags: 'a' });
  const apps: Server[] = [];
  const servers: MeshProxy[] = [];
  const clients: MeshProxy[] = [];
  let control: ControlHandle | undefined;

  const weft = async (args: readonly string[], stdin?: string): Promise<WeftRun & { exitedAt: number }> => {
    const r = await runWeftProcess(args, { cwd: dir, env: { WEFT_HOME: home, WEFT_CONTROL: controlUrl }, ...(stdin !== undefined ? { stdin } : {}) });
    return { ...r, exitedAt: Date.now() };
  };
  let applied = 0;
  const apply = async (text: string, fileName: string): Promise<WeftRun & { exitedAt: number }> => {
    const file = join(dir, `${++applied}-${fileName}`);
    await writeFile(file, text);
    return weft(['apply', '-f', file]);
  };
  const proxyStatus = async (): Promise<readonly ProxyStatus[]> => {
    const res = await fetch(`${controlUrl}/api/v1/proxies`);
    if (res.status !== 200) throw new Error(`GET /api/v1/proxies: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { proxies: ProxyStatus[] }).proxies;
  };
  const proxiesAll = (): MeshProxy[] => [...servers, ...clients];
  const tails = (lines = 25): string => {
    const parts = [`--- control (pid ${control?.pid ?? '?'}):\n${(control?.output ?? []).slice(-lines).join('\n')}`];
    for (const p of proxiesAll()) parts.push(`--- ${p.name} (pid ${p.pid}):\n${p.logs.slice(-lines).join('\n')}`);
    return parts.join('\n');
  };
  const close = async (): Promise<void> => {
    await Promise.all(proxiesAll().map((p) => killPid(p.child, p.exited)));
    if (control !== undefined) await killPid(control.child, control.exited);
    await Promise.all(apps.map((a) => new Promise<void>((resolve) => {
      a.closeAllConnections();
      a.close(() => resolve());
    })));
    controlLog.end();
    if (process.env['WEFT_E2E_KEEP'] === undefined) await rm(dir, { recursive: true, force: true });
  };

  try {
    control = await startControlProcess(home, options.certificateLifetime, controlLog);
    const base = await apply(`${baseManifest(options.servers)}${options.extraManifest !== undefined ? `---\n${options.extraManifest}` : ''}`, 'mesh.yaml');
    if (base.code !== 0) throw new Error(`weft apply of the base mesh failed (${String(base.code)}): ${base.stdout}${base.stderr}`);

    // Outbound capture per client, selected by the source address its application connects from.
    const rules = ['*nat'];
    for (let j = 0; j < options.clients; j++) {
      rules.push(`-A OUTPUT -p tcp -s ${clientSource(j)} -d 127.0.10.0/24 -j REDIRECT --to-ports ${clientOutboundPort(j)}`);
    }
    rules.push('COMMIT', '');
    const ipt = await run('iptables-restore', [], { input: rules.join('\n') });
    if (ipt.code !== 0) throw new Error(`iptables-restore failed: ${ipt.stderr}`);

    const token = async (sa: string): Promise<{ token: string; id: string }> => {
      const r = await weft(['token', 'create', '--namespace', meshNamespace, '--service-account', sa, '-o', 'json']);
      if (r.code !== 0) throw new Error(`weft token create for ${sa} failed: ${r.stdout}${r.stderr}`);
      const created = JSON.parse(r.stdout) as { token: string; info: { id: string } };
      return { token: created.token, id: created.info.id };
    };

    for (let i = 0; i < options.servers; i++) {
      const name = `srv-${i}`;
      const app = createServer((req, res) => {
        req.resume();
        const body = JSON.stringify({ server: name, path: req.url, xfcc: req.headers['x-forwarded-client-cert'] ?? null });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      await new Promise<void>((resolve) => app.listen(serverAppPort(i), '127.0.0.1', resolve));
      apps.push(app);
    }
    await Promise.all([
      ...Array.from({ length: options.servers }, async (_, i) => servers.push(await startMeshProxy(dir, { name: `srv-${i}`, role: 'server', index: i }, await token(`srv-${i}`)))),
      ...Array.from({ length: options.clients }, async (_, j) => clients.push(await startMeshProxy(dir, { name: `client-${j}`, role: 'client', index: j }, await token(`client-${j}`)))),
    ]);
    servers.sort((a, b) => a.index - b.index);
    clients.sort((a, b) => a.index - b.index);
  } catch (e) {
    const detail = tails();
    await close();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${detail}`);
  }

  const target = (client: number, server: number, path = '/'): { name: string; host: string; port: number; path: string; localAddress: string; hostHeader: string } => ({
    name: `client-${client}→srv-${server}`,
    host: serviceVip(server),
    port: 80,
    path,
    localAddress: clientSource(client),
    hostHeader: `srv-${server}.${meshNamespace}`,
  });

  const mesh: Mesh = {
    dir,
    home,
    control: control,
    servers,
    clients,
    proxies: proxiesAll(),
    weft,
    apply,
    proxyStatus,
    async startControl() {
      mesh.control = await startControlProcess(home, options.certificateLifetime, controlLog);
      control = mesh.control;
    },
    async killControl() {
      await killPid(mesh.control.child, mesh.control.exited);
    },
    async waitForCheck(timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const r = await weft(['check']);
        if (r.code === 0) return r;
        if (performance.now() > deadline) throw new Error(`weft check did not pass in ${timeoutMs} ms; last run (exit ${String(r.code)}):\n${r.stdout}${r.stderr}\n${tails()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    target,
    request: (client, server, path = '/') => fetchVia(target(client, server, path)),
    tails,
    close,
  };
  return mesh;
}

/** One GET over a new connection from the client's source address. */
function fetchVia(t: { host: string; port: number; path: string; localAddress: string; hostHeader: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: t.host, port: t.port, path: t.path, localAddress: t.localAddress, agent: false, headers: { host: t.hostHeader, connection: 'close' }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ status: 0, body: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: e.code ?? e.message }));
    req.end();
  });
}

/** Waits until every client reaches every server with a 200 (bounded). */
export async function waitForTraffic(mesh: Mesh, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const answers = await Promise.all(mesh.clients.flatMap((c) => mesh.servers.map(async (s) => ({ c: c.index, s: s.index, ...(await mesh.request(c.index, s.index)) }))));
    const bad = answers.filter((a) => a.status !== 200);
    if (bad.length === 0) return;
    if (performance.now() > deadline) {
      throw new Error(`no end-to-end traffic after ${timeoutMs} ms: ${bad.map((b) => `client-${b.c}→srv-${b.s}: ${b.status} ${b.body.slice(0, 200)}`).join('; ')}\n${mesh.tails()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
