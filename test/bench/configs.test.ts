import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clientSpiffeId,
  haproxyHop1Cfg,
  haproxyHop2Cfg,
  nginxUpstreamConf,
  serverSpiffeId,
  upstreamBody,
  type PkiPaths,
} from '../../bench/configs.js';
import { weftHop1Snapshot, weftHop2Snapshot } from '../../bench/weft-snapshot.js';
import { parseProxySnapshotValue } from '../../src/proxy/snapshot/parse-proxy-snapshot.js';

const pki: PkiPaths = {
  dir: '/t/pki',
  caCert: '/t/pki/ca.crt',
  serverCert: '/t/pki/server.crt',
  serverKey: '/t/pki/server.key',
  serverPem: '/t/pki/server.pem',
  clientCert: '/t/pki/client.crt',
  clientKey: '/t/pki/client.key',
  clientPem: '/t/pki/client.pem',
  otherCert: '/t/pki/other.crt',
  otherKey: '/t/pki/other.key',
  rogueCert: '/t/pki/rogue.crt',
  rogueKey: '/t/pki/rogue.key',
};

test('the upstream body is exactly 1 KiB and safe inside an nginx string', () => {
  const body = upstreamBody();
  assert.equal(Buffer.byteLength(body), 1024);
  assert.doesNotMatch(body, /["$\\\n]/);
  const conf = nginxUpstreamConf({ dir: '/t', port: 18080 });
  assert.match(conf, /^worker_processes 1;$/m);
  assert.match(conf, /listen 127\.0\.0\.1:18080;/);
  assert.ok(conf.includes(`return 200 "${body}";`));
  assert.match(conf, /access_log off;/);
});

test('HAProxy hops follow benchmarking.md A.4/A.5: one thread, reuse, mTLS both ways, loopback only', () => {
  const h1 = haproxyHop1Cfg({ listenPort: 10001, hop2Port: 10002, pki });
  const h2 = haproxyHop2Cfg({ listenPort: 10002, upstreamPort: 18080, pki });
  for (const cfg of [h1, h2]) {
    assert.match(cfg, /^\s+nbthread 1$/m);
    assert.match(cfg, /^\s+http-reuse always$/m);
    assert.match(cfg, /^\s+option http-keep-alive$/m);
    assert.doesNotMatch(cfg, /bind (?!127\.0\.0\.1:)/);
  }
  assert.match(h1, /bind 127\.0\.0\.1:10001$/m);
  assert.match(h1, /server hop2 127\.0\.0\.1:10002 ssl verify required ca-file \/t\/pki\/ca\.crt crt \/t\/pki\/client\.pem .*ssl-min-ver TLSv1\.3/);
  assert.match(h2, /bind 127\.0\.0\.1:10002 ssl crt \/t\/pki\/server\.pem ca-file \/t\/pki\/ca\.crt verify required ssl-min-ver TLSv1\.3/);
  assert.match(h2, /server up 127\.0\.0\.1:18080/);
});

test('Weft snapshots: hop1 sends the service to hop2 and expects its identity; hop2 lets only the client in', () => {
  const ports = { hop1Listen: 15101, hop2Listen: 15102, upstream: 18080 };
  const s1 = weftHop1Snapshot(ports);
  const s2 = weftHop2Snapshot(ports);
  assert.equal(s1.workload.spiffeId, clientSpiffeId);
  assert.equal(s2.workload.spiffeId, serverSpiffeId);
  const svc = s1.outbound.services[0];
  assert.ok(svc);
  assert.equal(svc.listenPort, 15101);
  assert.equal(svc.listenAddress, '127.0.0.1');
  assert.deepEqual(svc.identities, [serverSpiffeId]);
  assert.deepEqual(svc.endpoints.map((e) => [e.address, e.port, e.identity, e.ready]), [['127.0.0.1', 15102, serverSpiffeId, true]]);
  const port = s2.inbound.ports[0];
  assert.ok(port);
  assert.deepEqual([port.port, port.listenPort, port.appAddress, port.protocol], [18080, 15102, '127.0.0.1', 'http']);
  assert.equal(s2.mesh.mtlsMode, 'STRICT');
  assert.ok(s1.outbound.accessLog && s2.inbound.accessLog);
  const allow = s2.inbound.policies.find((p) => p.spec.action === 'ALLOW');
  const principals = allow?.spec.rules?.[0]?.from?.[0]?.source.principals;
  assert.deepEqual(principals, ['weft.test/ns/default/sa/client']);
  assert.ok(s2.inbound.policies.some((p) => p.spec.action === 'DENY'));
  // Snapshots must survive the trip through the file the proxy reads.
  assert.deepEqual(JSON.parse(JSON.stringify(s2)), s2);
});

test('both Weft snapshots pass the proxy\'s own snapshot parser', () => {
  const ports = { hop1Listen: 15101, hop2Listen: 15102, upstream: 18080 };
  for (const snap of [weftHop1Snapshot(ports), weftHop2Snapshot(ports)]) {
    const r = parseProxySnapshotValue(JSON.parse(JSON.stringify(snap)));
    assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.error));
  }
});
