// SO_ORIGINAL_DST through the native addon, with real iptables REDIRECT rules in a network namespace
// this test creates (needs root, as CI has). A probe program runs inside the namespace, dials
// redirected addresses and reports what the accepting side read.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadOriginalDst } from '../../src/proxy/capture/original-dst.js';
import { isProxyOwnPort, isSelfDestination } from '../../src/proxy/capture/loop-guard.js';

const isRoot = process.getuid?.() === 0;
const onLinux = process.platform === 'linux';
const skip = !onLinux ? 'SO_ORIGINAL_DST is Linux-only' : !isRoot ? 'needs root to create a network namespace and iptables rules (CI runs as root)' : false;
const ns = `weft-t-${randomBytes(3).toString('hex')}`;
const VIP = `198.19.${randomBytes(1)[0]! % 250}.${1 + (randomBytes(1)[0]! % 250)}`;
const WAIT_MS = 10_000;

let probe: ChildProcessWithoutNullStreams | undefined;
let nsCreated = false;
const lines: Record<string, unknown>[] = [];
const waiters: (() => void)[] = [];

function sh(args: string[]): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function inNs(args: string[]): string {
  return sh(['ip', 'netns', 'exec', ns, ...args]);
}

async function waitFor<T>(pick: () => T | undefined, what: string): Promise<T> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const found = pick();
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; probe said: ${JSON.stringify(lines)}`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 200);
      waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

let ports: { v4: number; dual: number | null } = { v4: 0, dual: null };

before(async () => {
  if (skip !== false) return;
  sh(['ip', 'netns', 'add', ns]);
  nsCreated = true;
  inNs(['ip', 'link', 'set', 'lo', 'up']);
  // The VIP range needs a route or the dial fails with ENETUNREACH before nat OUTPUT (P3).
  inNs(['ip', 'route', 'add', '198.19.0.0/16', 'dev', 'lo']);
  const script = fileURLToPath(new URL('../support/original-dst-probe.js', import.meta.url));
  probe = spawn('ip', ['netns', 'exec', ns, process.execPath, script], { stdio: ['pipe', 'pipe', 'pipe'] });
  probe.stderr.on('data', (d: Buffer) => lines.push({ stderr: d.toString() }));
  createInterface({ input: probe.stdout }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ raw: line });
    }
    for (const w of waiters.splice(0)) w();
  });
  const ready = await waitFor(() => lines.find((l) => l.ready === true || l.fatal !== undefined), 'the probe to listen');
  assert.equal(ready.fatal, undefined, String(ready.fatal));
  ports = { v4: ready.v4 as number, dual: ready.dual as number | null };
  // Atomic rule install, as the runtime will do it (P10).
  const rules = [
    '*nat',
    `-A OUTPUT -p tcp -d ${VIP} --dport 6379 -j REDIRECT --to-ports ${ports.v4}`,
    ...(ports.dual === null ? [] : [`-A OUTPUT -p tcp -d ${VIP} --dport 8080 -j REDIRECT --to-ports ${ports.dual}`]),
    'COMMIT',
    '',
  ].join('\n');
  execFileSync('ip', ['netns', 'exec', ns, 'iptables-restore', '--noflush'], { input: rules, stdio: ['pipe', 'pipe', 'pipe'] });
  if (ports.dual !== null) {
    const rules6 = ['*nat', `-A OUTPUT -p tcp -d ::1 --dport 6380 -j REDIRECT --to-ports ${ports.dual}`, 'COMMIT', ''].join('\n');
    execFileSync('ip', ['netns', 'exec', ns, 'ip6tables-restore', '--noflush'], { input: rules6, stdio: ['pipe', 'pipe', 'pipe'] });
  }
});

after(() => {
  if (probe?.pid !== undefined && probe.exitCode === null) {
    probe.stdin.end();
    process.kill(probe.pid, 'SIGKILL');
  }
  if (nsCreated) {
    // ip netns exec runs node in place (no fork), so killing the PID above leaves nothing behind.
    try {
      sh(['ip', 'netns', 'del', ns]);
    } catch (e) {
      console.error(`could not delete netns ${ns}: ${(e as Error).message}`);
    }
  }
});

async function dial(host: string, port: number, label: string): Promise<Record<string, unknown>> {
  probe!.stdin.write(`${host} ${port} ${label}\n`);
  return waitFor(() => lines.find((l) => l.label === label), `the probe's report for ${label}`);
}

test('a connection REDIRECTed from a service VIP reports the VIP as its original destination (IPv4 listener)', { skip }, async () => {
  const r = await dial(VIP, 6379, 'vip-v4');
  assert.equal(r.listener, 'v4');
  assert.deepEqual(r.orig, { address: VIP, port: 6379, family: 4 });
  assert.equal(r.self, false);
});

test('a dual-stack listener picks SOL_IP for v4-mapped connections and SOL_IPV6 for IPv6 ones', { skip }, async (t) => {
  if (ports.dual === null) {
    t.skip('IPv6 is disabled in the namespace');
    return;
  }
  const v4 = await dial(VIP, 8080, 'vip-dual');
  assert.equal(v4.listener, 'dual');
  assert.deepEqual(v4.orig, { address: VIP, port: 8080, family: 4 });
  const v6 = await dial('::1', 6380, 'v6-dual');
  assert.equal(v6.listener, 'dual');
  assert.deepEqual(v6.orig, { address: '::1', port: 6380, family: 6 });
});

test('a direct (not redirected) connection is caught by the loop guard', { skip }, async () => {
  const r = await dial('127.0.0.1', ports.v4, 'direct');
  // With nat rules present the connection is tracked, so SO_ORIGINAL_DST succeeds and gives the
  // listener's own address: the P11 loop that the guard must catch.
  assert.equal(r.error, undefined, String(r.message));
  assert.deepEqual(r.orig, { address: '127.0.0.1', port: ports.v4, family: 4 });
  assert.equal(r.self, true);
});

test('the loader reports a clear WEFT_RUNTIME_UNAVAILABLE where the addon cannot load', () => {
  const other = loadOriginalDst({ platform: 'darwin' });
  assert.ok(!other.ok);
  assert.equal(other.error.code, 'WEFT_RUNTIME_UNAVAILABLE');
  assert.match(other.error.message, /Linux/);
  const missing = loadOriginalDst({ platform: 'linux', addonPath: '/nonexistent/original_dst.node' });
  assert.ok(!missing.ok);
  assert.equal(missing.error.code, 'WEFT_RUNTIME_UNAVAILABLE');
  assert.match(missing.error.message, /npm run build/);
});

test('on this host the built addon loads and refuses a socket without a NAT record or fd', { skip: onLinux ? false : 'Linux-only' }, async () => {
  const loaded = loadOriginalDst();
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect(port, '127.0.0.1');
  const socket = await accepted;
  const r = loaded.value.read(socket);
  if (r.ok) {
    // The host tracks connections (some nat rule exists): then it is the local address.
    assert.equal(isSelfDestination(r.value, socket), true);
  } else {
    assert.equal(r.error.code, 'WEFT_CAPTURE_ORIGINAL_DST');
  }
  socket.destroy();
  client.destroy();
  const closed = loaded.value.read(socket);
  assert.ok(!closed.ok);
  server.close();
});

test('loop guards: self destination (also v4-mapped) and the proxy own ports', () => {
  const local = { localAddress: '::ffff:127.0.0.1', localPort: 15001 };
  assert.equal(isSelfDestination({ address: '127.0.0.1', port: 15001, family: 4 }, local), true);
  assert.equal(isSelfDestination({ address: '198.19.0.10', port: 15001, family: 4 }, local), false);
  assert.equal(isSelfDestination({ address: '127.0.0.1', port: 6379, family: 4 }, local), false);
  assert.equal(isSelfDestination({ address: '::1', port: 15001, family: 6 }, { localAddress: '::1', localPort: 15001 }), true);
  const own = new Set([15000, 15001, 15006]);
  assert.equal(isProxyOwnPort({ address: '198.18.0.3', port: 15001, family: 4 }, own), true);
  assert.equal(isProxyOwnPort({ address: '198.18.0.3', port: 6379, family: 4 }, own), false);
});
