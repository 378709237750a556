import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuthzAttributes, AuthzVerdict, InboundAuthorizer } from './inbound-authorizer.js';
import { createTcpRegistry } from './tcp-registry.js';

const authorizer = (deny: string): InboundAuthorizer => ({
  compiled: undefined as never,
  authorize: (a: AuthzAttributes): AuthzVerdict => (a.sourcePrincipal === deny ? { allowed: false, action: 'DENY', policy: 'p/x', reason: 'deny' } : { allowed: true, action: 'DEFAULT', reason: 'ok' }),
  authorizeHttp: () => ({ allowed: true }),
});

test('re-evaluation closes exactly the connections the new policy denies, and those on removed ports', () => {
  const reg = createTcpRegistry();
  const closed: string[] = [];
  const add = (who: string, port: number): void => {
    reg.add({ attrs: { protocol: 'tcp', sourcePrincipal: who, sourceIp: '127.0.0.1', destinationPort: port }, close: (r) => closed.push(`${who}:${port}:${r}`) });
  };
  add('a', 1);
  add('b', 1);
  add('c', 2);
  assert.equal(reg.reevaluate(authorizer('b'), (p) => p === 1), 2);
  assert.deepEqual(closed.sort(), ['b:1:policy', 'c:2:policy']);
  assert.equal(reg.size(), 1);
  assert.equal(reg.reevaluate(authorizer('b'), () => true), 0);
});

test('a connection that ends removes itself; closeAll closes the rest', () => {
  const reg = createTcpRegistry();
  const closed: string[] = [];
  const untrack = reg.add({ attrs: { protocol: 'tcp', sourceIp: '', destinationPort: 1 }, close: () => closed.push('x') });
  reg.add({ attrs: { protocol: 'tcp', sourceIp: '', destinationPort: 1 }, close: (r) => closed.push(r) });
  untrack();
  assert.equal(reg.size(), 1);
  reg.closeAll('drain');
  assert.deepEqual(closed, ['drain']);
  assert.equal(reg.size(), 0);
});
