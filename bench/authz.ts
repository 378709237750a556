// Microbenchmark: ns per authorize() call on realistic policy sets.
// Run: npm run build && node dist/bench/authz.js
import { compileAuthorization } from '../src/policy/authz/compile-authorization.js';
import { authorize } from '../src/policy/authz/authorize.js';
import type { AuthzPolicyInput, RequestAttributes } from '../src/policy/authz/authz-types.js';

const TD = 'weft.test';
const policies: AuthzPolicyInput[] = [
  { name: 'deny-admin', namespace: 'app', spec: { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin', '/admin/*'] } }] }] } },
  { name: 'deny-plain', namespace: 'app', spec: { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] } },
  {
    name: 'allow-web',
    namespace: 'app',
    spec: {
      action: 'ALLOW',
      rules: [
        { from: [{ source: { namespaces: ['ops'] } }] },
        { from: [{ source: { principals: [`${TD}/ns/web/sa/frontend`, `${TD}/ns/web/sa/bff`] } }], to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/*'] } }] },
      ],
    },
  },
];
const r = compileAuthorization({ policies, defaultAction: 'ALLOW', trustDomain: TD });
if (!r.ok) throw new Error(JSON.stringify(r.error));
const compiled = r.value;
const headers: Record<string, string> = {};
const attrs: RequestAttributes = {
  protocol: 'http',
  sourcePrincipal: `spiffe://${TD}/ns/web/sa/frontend`,
  sourceNamespace: 'web',
  sourceIp: '10.0.0.7',
  destinationPort: 8080,
  method: 'GET',
  path: '/api/v1/users',
  host: 'api.app',
  header: (n) => headers[n],
};
const paths = ['/api/v1/users', '/api/orders?x=1', '/other', '/admin/x'];
function measure(name: string, iterations: number, fn: (i: number) => void): void {
  for (let i = 0; i < 100_000; i++) fn(i);
  const runs: number[] = [];
  for (let k = 0; k < 7; k++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    runs.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(50)} ${(runs[3] ?? 0).toFixed(1)} ns/op (median of 7)`);
}
let allowed = 0;
measure('authorize: http, 3 policies, mixed paths', 1_000_000, (i) => {
  attrs.path = paths[i & 3];
  if (authorize(compiled, attrs).allowed) allowed++;
});
const tcp: RequestAttributes = { protocol: 'tcp', sourcePrincipal: attrs.sourcePrincipal, sourceIp: '10.0.0.7', destinationPort: 6379 };
measure('authorize: tcp, 3 policies', 1_000_000, () => {
  if (authorize(compiled, tcp).allowed) allowed++;
});
console.log(`(${allowed} allowed)`);
