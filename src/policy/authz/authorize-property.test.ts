import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AuthorizationRule } from '../../api/kinds/authorization-policy.js';
import type { AuthzPolicyInput, RequestAttributes } from './authz-types.js';
import { compileAuthorization, type CompiledAuthorization } from './compile-authorization.js';
import { authorize } from './authorize.js';

const TD = 'weft.test';
const principals = [`spiffe://${TD}/ns/web/sa/fe`, `spiffe://${TD}/ns/web/sa/be`, `spiffe://${TD}/ns/ops/sa/admin`];
const principalPatterns = [...principals, '*', `spiffe://${TD}/ns/web/*`, '*/sa/admin'];
const paths = ['/', '/a', '/a/b', '/admin', '/pkg.S/M'];
const pathPatterns = [...paths, '/a/*', '*', '*/M'];
const someOf = <T>(xs: readonly T[]) => fc.uniqueArray(fc.constantFrom(...xs), { minLength: 1, maxLength: 2 });

const source = fc.record(
  {
    principals: someOf(principalPatterns),
    notPrincipals: someOf(principalPatterns),
    namespaces: someOf(['web', 'ops', 'w*']),
    ipBlocks: someOf(['10.0.0.0/8', '192.168.0.0/16']),
  },
  { requiredKeys: [] },
);
const operation = fc.record(
  {
    ports: someOf(['80', '6379']),
    methods: someOf(['GET', 'POST']),
    paths: someOf(pathPatterns),
    notPaths: someOf(pathPatterns),
    hosts: someOf(['a.svc', '*.svc']),
  },
  { requiredKeys: [] },
);
const condition = fc.oneof(
  fc.record({ key: fc.constant('request.headers[x-a]'), values: someOf(['1', '2*']) }),
  fc.record({ key: fc.constant('source.namespace'), notValues: someOf(['ops']) }),
  fc.record({ key: fc.constant('destination.port'), values: someOf(['80']) }),
);
const rule: fc.Arbitrary<AuthorizationRule> = fc.record(
  {
    from: fc.array(fc.record({ source }), { minLength: 1, maxLength: 2 }),
    to: fc.array(fc.record({ operation }), { minLength: 1, maxLength: 2 }),
    when: fc.array(condition, { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const policy = (action: 'ALLOW' | 'DENY' | 'AUDIT', prefix: string): fc.Arbitrary<AuthzPolicyInput> =>
  fc.record({
    name: fc.integer({ min: 0, max: 999 }).map((n) => `${prefix}-${n}`),
    namespace: fc.constant('app'),
    spec: fc.option(fc.array(rule, { maxLength: 3 }), { nil: undefined }).map((rules) => (rules === undefined ? { action } : { action, rules })),
  });
const basePolicies = fc.array(fc.oneof(policy('ALLOW', 'allow'), policy('DENY', 'deny')), { maxLength: 3 });
const request: fc.Arbitrary<RequestAttributes> = fc
  .record({
    protocol: fc.constantFrom('tcp' as const, 'http' as const, 'grpc' as const),
    principal: fc.option(fc.constantFrom(...principals), { nil: undefined }),
    ip: fc.constantFrom('10.1.1.1', '192.168.3.3', '::ffff:10.2.2.2', '172.16.0.1'),
    port: fc.constantFrom(80, 6379, 8080),
    method: fc.constantFrom('GET', 'POST'),
    path: fc.constantFrom(...paths, '/a/../admin', '/a?q=1'),
    host: fc.constantFrom('a.svc', 'b.svc:80', 'x.example'),
    xa: fc.option(fc.constantFrom('1', '22', '3'), { nil: undefined }),
  })
  .map((r) =>
    r.protocol === 'tcp'
      ? { protocol: 'tcp', sourcePrincipal: r.principal, sourceIp: r.ip, destinationPort: r.port }
      : {
          protocol: r.protocol,
          sourcePrincipal: r.principal,
          sourceIp: r.ip,
          destinationPort: r.port,
          method: r.method,
          path: r.path,
          host: r.host,
          header: (name: string) => (name === 'x-a' ? r.xa : undefined),
        },
  );

function compile(policies: AuthzPolicyInput[], defaultAction: 'ALLOW' | 'DENY'): CompiledAuthorization {
  const r = compileAuthorization({ policies, defaultAction, trustDomain: TD });
  if (!r.ok) assert.fail(JSON.stringify(r.error));
  return r.value;
}

test('property: adding DENY policies can only turn an allow into a deny, never the reverse', () => {
  fc.assert(
    fc.property(
      basePolicies,
      fc.array(policy('DENY', 'extra-deny'), { minLength: 1, maxLength: 3 }),
      fc.constantFrom('ALLOW' as const, 'DENY' as const),
      fc.array(request, { minLength: 1, maxLength: 8 }),
      (base, denies, defaultAction, requests) => {
        const without = compile(base, defaultAction);
        const withDenies = compile([...base, ...denies], defaultAction);
        for (const req of requests) {
          if (authorize(withDenies, req).allowed) assert.equal(authorize(without, req).allowed, true);
        }
      },
    ),
    { numRuns: 400 },
  );
});

test('property: AUDIT policies never change a decision', () => {
  fc.assert(
    fc.property(
      basePolicies,
      fc.array(policy('AUDIT', 'audit'), { minLength: 1, maxLength: 3 }),
      fc.constantFrom('ALLOW' as const, 'DENY' as const),
      fc.array(request, { minLength: 1, maxLength: 8 }),
      (base, audits, defaultAction, requests) => {
        const without = compile(base, defaultAction);
        const withAudits = compile([...base, ...audits], defaultAction);
        for (const req of requests) {
          const a = authorize(withAudits, req);
          const b = authorize(without, req);
          assert.deepEqual([a.allowed, a.action, a.policy, a.ruleIndex], [b.allowed, b.action, b.policy, b.ruleIndex]);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('property: a TCP connection is allowed only if some HTTP request on it could be', () => {
  // A DENY rule applies to TCP at least as broadly as to HTTP, and an ALLOW rule with HTTP-only
  // fields never matches TCP, so TCP is never more permissive than the HTTP view of the same source.
  fc.assert(
    fc.property(basePolicies, fc.constantFrom('ALLOW' as const, 'DENY' as const), request, (base, defaultAction, req) => {
      const c = compile(base, defaultAction);
      const asTcp: RequestAttributes = { protocol: 'tcp', sourcePrincipal: req.sourcePrincipal, sourceIp: req.sourceIp, destinationPort: req.destinationPort };
      if (!authorize(c, asTcp).allowed) return;
      // Some HTTP request from the same source to the same port is allowed too.
      let anyAllowed = false;
      for (const method of ['GET', 'POST']) {
        for (const path of paths) {
          for (const host of ['a.svc', 'x.example']) {
            for (const xa of ['1', '3', undefined]) {
              const h: RequestAttributes = { ...asTcp, protocol: 'http', method, path, host, header: (n) => (n === 'x-a' ? xa : undefined) };
              if (authorize(c, h).allowed) anyAllowed = true;
            }
          }
        }
      }
      assert.ok(anyAllowed);
    }),
    { numRuns: 300 },
  );
});
