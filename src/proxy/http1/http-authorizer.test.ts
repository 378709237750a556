import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileAuthorization, type AuthzDecision } from '../../policy/authz/index.js';
import { parseRequestHead, defaultHeadLimits, type RequestHead } from './codec/index.js';
import { createHttpAuthorizer } from './http-authorizer.js';

function head(text: string): RequestHead {
  const r = parseRequestHead(Buffer.from(text, 'latin1'), 0, defaultHeadLimits);
  assert.equal(r.state, 'complete');
  return (r as { head: RequestHead }).head;
}

describe('createHttpAuthorizer', () => {
  const compiled = compileAuthorization({
    trustDomain: 'cluster.local',
    defaultAction: 'ALLOW',
    policies: [
      {
        name: 'only-client',
        namespace: 'b',
        spec: {
          action: 'ALLOW',
          rules: [{ from: [{ source: { principals: ['spiffe://cluster.local/ns/a/sa/client'] } }], to: [{ operation: { methods: ['GET'], paths: ['/api/*'] } }], when: [{ key: 'request.headers[x-user]', values: ['alice'] }] }],
        },
      },
    ],
  });
  assert.ok(compiled.ok);
  const seen: AuthzDecision[] = [];
  const authz = createHttpAuthorizer(compiled.value, (d) => seen.push(d));
  const input = (peer: string | undefined, text: string) => ({ peerIdentity: peer, peerAddress: '127.0.0.1', destinationPort: 8080, head: head(text) });

  it('passes principal, method, path (without the query) and headers to the policy', () => {
    const ok = authz.authorizeHttp(input('spiffe://cluster.local/ns/a/sa/client', 'GET /api/x?q=1 HTTP/1.1\r\nHost: b\r\nX-User: alice\r\n\r\n'));
    assert.equal(ok.allowed, true);
    assert.equal(ok.policy, 'b/only-client');
    assert.equal(authz.authorizeHttp(input('spiffe://cluster.local/ns/a/sa/client', 'GET /api/x HTTP/1.1\r\nHost: b\r\nX-User: bob\r\n\r\n')).allowed, false);
    assert.equal(authz.authorizeHttp(input('spiffe://cluster.local/ns/a/sa/client', 'POST /api/x HTTP/1.1\r\nHost: b\r\nX-User: alice\r\n\r\n')).allowed, false);
    assert.equal(authz.authorizeHttp(input('spiffe://cluster.local/ns/z/sa/other', 'GET /api/x HTTP/1.1\r\nHost: b\r\nX-User: alice\r\n\r\n')).allowed, false);
    assert.equal(authz.authorizeHttp(input(undefined, 'GET /api/x HTTP/1.1\r\nHost: b\r\nX-User: alice\r\n\r\n')).allowed, false);
    assert.equal(seen.length, 5);
  });
});
