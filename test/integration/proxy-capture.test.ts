// Transparent capture end to end, the way the runtime will run it: two network-namespace "pods" joined
// by one veth pair, the capture rules of capture-feasibility §3/§5 in both, a real `weft proxy` as uid
// 1337 in each (capture listeners 127.0.0.1:15001 and 0.0.0.0:15006), a real redis-server on pod b's
// 127.0.0.1:6379 and redis-cli as uid 1000 in pod a dialling the service VIP. Needs root (CI has it).
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestPki, type IssuedFiles, type TestPki } from '../support/pki.js';
import { spiffe, TD } from '../support/mesh-snapshots.js';
import { eventually, run, type RunResult } from '../support/processes.js';
import { startWeftProxy, type ProxyProcess } from '../support/weft-proxy-process.js';

function haveTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const isRoot = process.getuid?.() === 0;
const missing = ['ip', 'iptables-restore', 'setpriv', 'redis-server', 'redis-cli', 'curl'].filter((t) => !haveTool(t));
const skip = process.platform !== 'linux' ? 'transparent capture is Linux-only'
  : !isRoot ? 'needs root to create network namespaces and iptables rules (CI runs as root)'
    : missing.length > 0 ? `needs ${missing.join(', ')}` : false;

const hex = randomBytes(3).toString('hex');
const NS_A = `wt-${hex}-a`;
const NS_B = `wt-${hex}-b`;
const X = 1 + (randomBytes(1)[0]! % 250);
const IP_A = `198.18.${X}.2`;
const IP_B = `198.18.${X}.3`;
const VIP = '198.19.0.10';
const PROXY_UID = 1337;
const APP_UID = 1000;
const ID_A = spiffe('shop', 'web');
const ID_B = spiffe('d', 'redis');

// One atomic rule set per pod, installed before any process starts (P10).
const CAPTURE_RULES = [
  '*nat',
  ':WEFT_OUTPUT - [0:0]',
  ':WEFT_INBOUND - [0:0]',
  '-A OUTPUT -p tcp -m comment --comment weft -j WEFT_OUTPUT',
  '-A WEFT_OUTPUT -o lo -j RETURN',
  `-A WEFT_OUTPUT -m owner --uid-owner ${PROXY_UID} -j RETURN`,
  '-A WEFT_OUTPUT -p tcp -j REDIRECT --to-ports 15001',
  '-A PREROUTING -p tcp -m comment --comment weft -j WEFT_INBOUND',
  '-A WEFT_INBOUND -p tcp -j REDIRECT --to-ports 15006',
  'COMMIT',
  '',
].join('\n');

function sh(args: readonly string[], input?: string): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

const asUid = (uid: number): string[] => ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];

function podA(version: string): Record<string, unknown> {
  return {
    version,
    workload: { name: 'web', namespace: 'shop', serviceAccount: 'web', spiffeId: ID_A, labels: { app: 'web' } },
    mesh: { trustDomain: TD, mtlsMode: 'STRICT', defaultAction: 'ALLOW' },
    inbound: { ports: [], policies: [], accessLog: false },
    outbound: {
      services: [{
        name: 'redis', namespace: 'd', port: 6379, protocol: 'tcp', vip: VIP, hosts: ['redis.d'],
        identities: [ID_B], endpoints: [{ address: IP_B, port: 6379, identity: ID_B, ready: true }],
      }],
      accessLog: true,
    },
  };
}

function podB(version: string, policies: readonly { name: string; spec: Record<string, unknown> }[]): Record<string, unknown> {
  return {
    version,
    workload: { name: 'redis', namespace: 'd', serviceAccount: 'redis', spiffeId: ID_B, labels: { app: 'redis' } },
    mesh: { trustDomain: TD, mtlsMode: 'STRICT', defaultAction: 'ALLOW' },
    inbound: { ports: [{ port: 6379, protocol: 'tcp' }], policies: policies.map((p) => ({ ...p, namespace: 'd' })), accessLog: true },
    outbound: { services: [], accessLog: false },
  };
}

const allowShop = { name: 'allow-shop-web', spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: [ID_A] } }] }] } };
const allowAdminOnly = { name: 'only-admin', spec: { action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['admin'] } }] }] } };

describe('transparent capture through two weft proxies in two network namespaces', { skip }, () => {
  const created: string[] = [];
  let pki: TestPki | undefined;
  let certA: IssuedFiles;
  let certB: IssuedFiles;
  let proxyA: ProxyProcess | undefined;
  let proxyB: ProxyProcess | undefined;
  let redis: ChildProcess | undefined;

  before(async () => {
    if (skip !== false) return;
    for (const ns of [NS_A, NS_B]) {
      sh(['ip', 'netns', 'add', ns]);
      created.push(ns);
      sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // One veth pair, born inside the pods (no host end, no bridge).
    sh(['ip', '-n', NS_A, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS_B]);
    for (const [ns, ip] of [[NS_A, IP_A], [NS_B, IP_B]] as const) {
      sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.eth0.disable_ipv6=1']);
      sh(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      sh(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
      sh(['ip', 'netns', 'exec', ns, 'iptables-restore', '--noflush'], CAPTURE_RULES);
    }
    // The VIP range must be routable before nat OUTPUT sees the packet (P3).
    sh(['ip', '-n', NS_A, 'route', 'add', '198.19.0.0/16', 'via', IP_B]);

    redis = spawn('ip', ['netns', 'exec', NS_B, 'redis-server', '--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
    await eventually(async () => (await run('ip', ['netns', 'exec', NS_B, 'redis-cli', '-p', '6379', 'PING'], { timeoutMs: 2000 })).stdout.trim() === 'PONG', 10_000, 'redis-server in pod b');

    pki = await createTestPki({ ownerUid: PROXY_UID });
    certA = await pki.issue(ID_A);
    certB = await pki.issue(ID_B);
    proxyB = await startWeftProxy({
      dir: pki.dir, name: 'pod-b', snapshot: podB('b1', [allowShop]), certPath: certB.certPath, keyPath: certB.keyPath, caPath: pki.caPath,
      prefix: ['ip', 'netns', 'exec', NS_B, ...asUid(PROXY_UID)], noCapture: false,
    });
    proxyA = await startWeftProxy({
      dir: pki.dir, name: 'pod-a', snapshot: podA('a1'), certPath: certA.certPath, keyPath: certA.keyPath, caPath: pki.caPath,
      prefix: ['ip', 'netns', 'exec', NS_A, ...asUid(PROXY_UID)], noCapture: false,
    });
  });

  after(async () => {
    await proxyA?.stop(5000);
    await proxyB?.stop(5000);
    if (redis?.pid !== undefined && redis.exitCode === null) {
      const exited = new Promise((r) => redis!.once('exit', r));
      redis.kill('SIGKILL');
      await exited;
    }
    // Anything still in a pod is ours; kill it before deleting the namespace (P12).
    for (const ns of created) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const pids = sh(['ip', 'netns', 'pids', ns]).split('\n').filter((l) => l.trim() !== '').map(Number);
        if (pids.length === 0) break;
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      try {
        sh(['ip', 'netns', 'del', ns]);
      } catch (e) {
        console.error(`could not delete netns ${ns}: ${(e as Error).message}`);
      }
    }
    await pki?.cleanup();
  });

  const clientPing = (uid: number, host: string): Promise<RunResult> =>
    run('ip', ['netns', 'exec', NS_A, ...asUid(uid), 'redis-cli', '-h', host, '-p', '6379', 'PING'], { timeoutMs: 8000 });
  const metricsOf = async (ns: string, p: ProxyProcess): Promise<string> =>
    (await run('ip', ['netns', 'exec', ns, 'curl', '-sS', '--max-time', '5', `http://127.0.0.1:${p.adminPort}/metrics`], { timeoutMs: 8000 })).stdout;

  test('redis-cli (uid 1000) in pod a reaches redis in pod b through both capture listeners over mTLS', async () => {
    const r = await clientPing(APP_UID, VIP);
    assert.equal(r.stdout.trim(), 'PONG', `redis-cli: ${r.stdout}${r.stderr}\npod a:\n${proxyA!.logs.slice(-10).join('\n')}\npod b:\n${proxyB!.logs.slice(-10).join('\n')}`);
    // Pod b's inbound saw pod a's SPIFFE ID (mTLS), on app port 6379 (SO_ORIGINAL_DST), from pod a's IP.
    await eventually(() => proxyB!.stdoutLines.some((l) => l.includes('"direction":"inbound"')), 5000, 'an inbound access-log line in pod b');
    const inLine = JSON.parse(proxyB!.stdoutLines.find((l) => l.includes('"direction":"inbound"'))!) as Record<string, unknown>;
    assert.equal(inLine['source_principal'] ?? inLine['sourcePrincipal'], ID_A);
    assert.match(String(inLine['source_address'] ?? inLine['sourceAddress']), new RegExp(`^${IP_A.replaceAll('.', '\\.')}`));
    assert.equal(inLine['upstream_address'] ?? inLine['upstreamAddress'], '127.0.0.1:6379');
    // Pod a's outbound mapped the VIP to the service and checked pod b's identity.
    await eventually(() => proxyA!.stdoutLines.some((l) => l.includes('"direction":"outbound"')), 5000, 'an outbound access-log line in pod a');
    const outLine = JSON.parse(proxyA!.stdoutLines.find((l) => l.includes('"direction":"outbound"'))!) as Record<string, unknown>;
    assert.equal(outLine['destination_service'] ?? outLine['destinationService'], 'redis.d');
    assert.equal(outLine['destination_principal'] ?? outLine['destinationPrincipal'], ID_B);
    assert.equal(outLine['upstream_address'] ?? outLine['upstreamAddress'], `${IP_B}:6379`);
    const mb = await metricsOf(NS_B, proxyB!);
    assert.match(mb, /weft_proxy_connections_total\{listener="inbound_mtls",protocol="weft-tcp"\} [1-9]/);
    assert.match(mb, /weft_proxy_tcp_connections_opened_total\{[^}]*direction="inbound"[^}]*\} [1-9]/);
  });

  test('a plaintext dial from pod a as uid 1337 (skipping its own proxy) is captured by pod b and refused in STRICT', async () => {
    const r = await clientPing(PROXY_UID, IP_B);
    assert.notEqual(r.stdout.trim(), 'PONG', `uid 1337 must not reach redis in plaintext: ${r.stdout}${r.stderr}`);
    await eventually(async () => /weft_proxy_plaintext_refused_total\{port="6379"\} [1-9]/.test(await metricsOf(NS_B, proxyB!)), 5000, 'the plaintext refusal counter in pod b');
  });

  test('a reloaded policy in pod b that excludes pod a denies it; allowing it again restores PONG', async () => {
    const mark = proxyB!.logs.length;
    await proxyB!.writeSnapshot(podB('b2', [allowAdminOnly]));
    await proxyB!.waitForLog('"version":"b2"', 5000, mark);
    const denied = await clientPing(APP_UID, VIP);
    assert.notEqual(denied.stdout.trim(), 'PONG', 'pod a is not in the ALLOW policy');
    await eventually(async () => /weft_proxy_authz_decisions_total\{result="denied"[^}]*\} [1-9]/.test(await metricsOf(NS_B, proxyB!)), 5000, 'a deny decision counted in pod b');
    await proxyB!.writeSnapshot(podB('b3', [allowShop]));
    await proxyB!.waitForLog('"version":"b3"', 5000, mark);
    assert.equal((await clientPing(APP_UID, VIP)).stdout.trim(), 'PONG');
  });
});
