import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationPolicySpec, AuthorizationRule } from '../../api/kinds/authorization-policy.js';
import type { AuthzPolicyInput, RequestAttributes } from './authz-types.js';
import { compileAuthorization, type CompiledAuthorization } from './compile-authorization.js';
import { authorize, explainAuthorization } from './authorize.js';

const TD = 'weft.test';
const FRONTEND = `spiffe://${TD}/ns/web/sa/frontend`;
const ADMIN = `spiffe://${TD}/ns/ops/sa/admin`;
const BATCH = `spiffe://${TD}/ns/team-a/sa/batch`;
const WEB_OTHER = `spiffe://${TD}/ns/web/sa/other`;

function pol(name: string, action: AuthorizationPolicySpec['action'], rules?: AuthorizationRule[]): AuthzPolicyInput {
  const spec: AuthorizationPolicySpec = rules === undefined ? { action } : { action, rules };
  return { name, namespace: 'app', spec };
}

function compile(policies: AuthzPolicyInput[], defaultAction: 'ALLOW' | 'DENY' = 'ALLOW'): CompiledAuthorization {
  const r = compileAuthorization({ policies, defaultAction, trustDomain: TD });
  if (!r.ok) assert.fail(`compile failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

interface Req {
  principal?: string;
  ip?: string;
  port?: number;
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
  namespace?: string;
}

function http(r: Req, protocol: 'http' | 'grpc' = 'http'): RequestAttributes {
  const headers = r.headers ?? {};
  return {
    protocol,
    sourcePrincipal: r.principal,
    sourceNamespace: r.namespace,
    sourceIp: r.ip ?? '10.1.2.3',
    destinationPort: r.port ?? 8080,
    method: r.method ?? (protocol === 'grpc' ? 'POST' : 'GET'),
    path: r.path ?? '/',
    host: r.host ?? 'api.app.svc',
    header: (name) => headers[name],
  };
}
function grpc(r: Req): RequestAttributes {
  return http(r, 'grpc');
}
function tcp(r: Req): RequestAttributes {
  return { protocol: 'tcp', sourcePrincipal: r.principal, sourceIp: r.ip ?? '10.1.2.3', destinationPort: r.port ?? 6379 };
}

// Policy sets used by the table.
const sets: Record<string, { policies: AuthzPolicyInput[]; defaultAction?: 'ALLOW' | 'DENY' }> = {
  none: { policies: [] },
  noneDefaultDeny: { policies: [], defaultAction: 'DENY' },
  allowFrontend: { policies: [pol('allow-frontend', 'ALLOW', [{ from: [{ source: { principals: [FRONTEND] } }] }])] },
  allowFrontendIstioForm: { policies: [pol('p', 'ALLOW', [{ from: [{ source: { principals: [`${TD}/ns/web/sa/frontend`] } }] }])] },
  allowFrontendClusterLocal: { policies: [pol('p', 'ALLOW', [{ from: [{ source: { principals: ['cluster.local/ns/web/sa/frontend'] } }] }])] },
  allowAnyAuthenticated: { policies: [pol('any-authn', 'ALLOW', [{ from: [{ source: { principals: ['*'] } }] }])] },
  denyUnauthenticated: { policies: [pol('deny-plain', 'DENY', [{ from: [{ source: { notPrincipals: ['*'] } }] }])] },
  allowWebPrefix: { policies: [pol('web', 'ALLOW', [{ from: [{ source: { principals: [`spiffe://${TD}/ns/web/*`] } }] }])] },
  allowSaSuffix: { policies: [pol('sa', 'ALLOW', [{ from: [{ source: { principals: ['*/sa/frontend'] } }] }])] },
  allowAllButFrontend: { policies: [pol('not-fe', 'ALLOW', [{ from: [{ source: { notPrincipals: [FRONTEND] } }] }])] },
  allowNamespaces: { policies: [pol('ns', 'ALLOW', [{ from: [{ source: { namespaces: ['web', 'team-*'], notNamespaces: ['team-b'] } }] }])] },
  allowIpBlocks: { policies: [pol('ip', 'ALLOW', [{ from: [{ source: { ipBlocks: ['10.0.0.0/8', 'fd00::/8'], notIpBlocks: ['10.9.0.0/16'] } }] }])] },
  allowPorts: { policies: [pol('ports', 'ALLOW', [{ to: [{ operation: { ports: ['8080', '6379'] } }] }])] },
  allowGet: { policies: [pol('get', 'ALLOW', [{ to: [{ operation: { methods: ['GET', 'HEAD'] } }] }])] },
  denyNotGet: { policies: [pol('deny-writes', 'DENY', [{ to: [{ operation: { notMethods: ['GET'] } }] }])] },
  allowPaths: { policies: [pol('paths', 'ALLOW', [{ to: [{ operation: { paths: ['/health', '/api/*', '*.png'] } }] }])] },
  allowNotAdmin: { policies: [pol('not-admin', 'ALLOW', [{ to: [{ operation: { notPaths: ['/admin', '/admin/*'] } }] }])] },
  allowAllDenyAdmin: {
    policies: [pol('allow-all', 'ALLOW', [{}]), pol('deny-admin', 'DENY', [{ to: [{ operation: { paths: ['/admin', '/admin/*'] } }] }])],
  },
  allowHosts: { policies: [pol('hosts', 'ALLOW', [{ to: [{ operation: { hosts: ['api.example.com', '*.internal'] } }] }])] },
  allowHostWithPort: { policies: [pol('hostport', 'ALLOW', [{ to: [{ operation: { hosts: ['api.example.com:8443', 'db.example.com:*'] } }] }])] },
  allowHeader: { policies: [pol('hdr', 'ALLOW', [{ when: [{ key: 'request.headers[X-User]', values: ['alice', 'bob*'] }] }])] },
  allowHeaderPresent: { policies: [pol('present', 'ALLOW', [{ when: [{ key: 'request.headers[x-token]', values: ['*'] }] }])] },
  denyHeaderNot: { policies: [pol('hdr-not', 'DENY', [{ when: [{ key: 'request.headers[x-env]', notValues: ['prod'] }] }])] },
  allowConditions: {
    policies: [
      pol('conds', 'ALLOW', [
        {
          when: [
            { key: 'source.ip', values: ['10.0.0.0/8'] },
            { key: 'source.namespace', values: ['web'] },
            { key: 'source.principal', notValues: [WEB_OTHER] },
            { key: 'destination.port', values: ['8080', '6379'] },
          ],
        },
      ]),
    ],
  },
  allowNoRules: { policies: [pol('nothing', 'ALLOW')] },
  allowEmptyRules: { policies: [pol('nothing', 'ALLOW', [])] },
  allowEverything: { policies: [pol('everything', 'ALLOW', [{}])] },
  denyEverything: { policies: [pol('deny-all', 'DENY', [{}]), pol('allow-all', 'ALLOW', [{}])] },
  denyNoRules: { policies: [pol('deny-nothing', 'DENY')] },
  auditOnly: { policies: [pol('audit', 'AUDIT', [{}])] },
  auditOnlyDefaultDeny: { policies: [pol('audit', 'AUDIT', [{}])], defaultAction: 'DENY' },
  auditAndAllow: { policies: [pol('audit', 'AUDIT', [{}]), pol('allow-fe', 'ALLOW', [{ from: [{ source: { principals: [FRONTEND] } }] }])] },
  allowFrontendDefaultDeny: {
    policies: [pol('allow-frontend', 'ALLOW', [{ from: [{ source: { principals: [FRONTEND] } }] }])],
    defaultAction: 'DENY',
  },
  ruleAnd: {
    policies: [pol('and', 'ALLOW', [{ from: [{ source: { principals: [FRONTEND] } }], to: [{ operation: { methods: ['GET'], paths: ['/a'] } }] }])],
  },
  ruleAnyOf: {
    policies: [
      pol('anyof', 'ALLOW', [
        {
          from: [{ source: { principals: [FRONTEND] } }, { source: { namespaces: ['ops'] } }],
          to: [{ operation: { paths: ['/a'] } }, { operation: { ports: ['9090'] } }],
        },
      ]),
    ],
  },
  secondRule: {
    policies: [pol('two', 'ALLOW', [{ from: [{ source: { principals: [ADMIN] } }] }, { from: [{ source: { principals: [FRONTEND] } }] }])],
  },
  tcpAllowRedis: { policies: [pol('redis', 'ALLOW', [{ from: [{ source: { principals: [FRONTEND] } }], to: [{ operation: { ports: ['6379'] } }] }])] },
  tcpAllowHttpOnly: { policies: [pol('get-only', 'ALLOW', [{ from: [{ source: { principals: [FRONTEND] } }], to: [{ operation: { methods: ['GET'] } }] }])] },
  tcpDenyHttpOnly: { policies: [pol('deny-get', 'DENY', [{ to: [{ operation: { methods: ['GET'], ports: ['6379'] } }] }])] },
  tcpDenyHeaderFromAdmin: {
    policies: [pol('deny-admin-hdr', 'DENY', [{ from: [{ source: { principals: [ADMIN] } }], when: [{ key: 'request.headers[x-a]', values: ['1'] }] }])],
  },
  tcpAllowHeader: { policies: [pol('allow-hdr', 'ALLOW', [{ when: [{ key: 'request.headers[x-a]', values: ['1'] }] }])] },
  actionAbsent: {
    policies: [{ name: 'implicit', namespace: 'app', spec: { rules: [{ from: [{ source: { principals: [FRONTEND] } }] }] } as unknown as AuthorizationPolicySpec }],
  },
  methodPrefix: { policies: [pol('mprefix', 'ALLOW', [{ to: [{ operation: { methods: ['P*'] } }] }])] },
  grpcMethods: {
    policies: [
      pol('grpc', 'ALLOW', [{ to: [{ operation: { methods: ['POST'], paths: ['/pkg.Greeter/SayHello', '/pkg.Admin/*'] } }] }]),
      pol('grpc-deny', 'DENY', [{ to: [{ operation: { paths: ['/pkg.Admin/Delete'] } }] }]),
    ],
  },
};

interface Row {
  name: string;
  set: string;
  req: RequestAttributes;
  allowed: boolean;
  /** Deciding policy `app/name`, or undefined for a DEFAULT decision. */
  policy?: string;
  ruleIndex?: number;
}

const rows: Row[] = [
  { name: 'no policy, default ALLOW', set: 'none', req: http({ principal: FRONTEND }), allowed: true },
  { name: 'no policy, default ALLOW, tcp', set: 'none', req: tcp({}), allowed: true },
  { name: 'no policy, default DENY', set: 'noneDefaultDeny', req: http({ principal: FRONTEND }), allowed: false },
  { name: 'ALLOW principal: match', set: 'allowFrontend', req: http({ principal: FRONTEND }), allowed: true, policy: 'app/allow-frontend', ruleIndex: 0 },
  { name: 'ALLOW principal: other caller denied', set: 'allowFrontend', req: http({ principal: ADMIN }), allowed: false },
  { name: 'ALLOW principal: unauthenticated denied', set: 'allowFrontend', req: http({}), allowed: false },
  { name: 'ALLOW principal: tcp match', set: 'allowFrontend', req: tcp({ principal: FRONTEND }), allowed: true, policy: 'app/allow-frontend' },
  { name: 'principal in Istio form', set: 'allowFrontendIstioForm', req: http({ principal: FRONTEND }), allowed: true, policy: 'app/p' },
  { name: 'principal with cluster.local means the mesh trust domain', set: 'allowFrontendClusterLocal', req: http({ principal: FRONTEND }), allowed: true, policy: 'app/p' },
  { name: 'cluster.local alias does not match another trust domain', set: 'allowFrontendClusterLocal', req: http({ principal: 'spiffe://other.td/ns/web/sa/frontend' }), allowed: false },
  { name: 'principals * : authenticated', set: 'allowAnyAuthenticated', req: http({ principal: BATCH }), allowed: true, policy: 'app/any-authn' },
  { name: 'principals * : unauthenticated denied', set: 'allowAnyAuthenticated', req: http({}), allowed: false },
  { name: "principals * : '' counts as unauthenticated", set: 'allowAnyAuthenticated', req: http({ principal: '' }), allowed: false },
  { name: 'principals * : unauthenticated tcp denied', set: 'allowAnyAuthenticated', req: tcp({}), allowed: false },
  { name: 'notPrincipals * DENY: unauthenticated denied', set: 'denyUnauthenticated', req: http({}), allowed: false, policy: 'app/deny-plain' },
  { name: 'notPrincipals * DENY: authenticated allowed', set: 'denyUnauthenticated', req: http({ principal: ADMIN }), allowed: true },
  { name: 'prefix principal: match', set: 'allowWebPrefix', req: http({ principal: WEB_OTHER }), allowed: true, policy: 'app/web' },
  { name: 'prefix principal: other namespace', set: 'allowWebPrefix', req: http({ principal: `spiffe://${TD}/ns/webx/sa/frontend` }), allowed: false },
  { name: 'suffix principal: match', set: 'allowSaSuffix', req: http({ principal: FRONTEND }), allowed: true, policy: 'app/sa' },
  { name: 'suffix principal: other sa', set: 'allowSaSuffix', req: http({ principal: WEB_OTHER }), allowed: false },
  { name: 'notPrincipals: excluded caller', set: 'allowAllButFrontend', req: http({ principal: FRONTEND }), allowed: false },
  { name: 'notPrincipals: others pass', set: 'allowAllButFrontend', req: http({ principal: ADMIN }), allowed: true, policy: 'app/not-fe' },
  { name: 'notPrincipals: unauthenticated passes (no principal to exclude)', set: 'allowAllButFrontend', req: http({}), allowed: true, policy: 'app/not-fe' },
  { name: 'namespaces exact', set: 'allowNamespaces', req: http({ principal: FRONTEND }), allowed: true, policy: 'app/ns' },
  { name: 'namespaces prefix', set: 'allowNamespaces', req: http({ principal: BATCH }), allowed: true, policy: 'app/ns' },
  { name: 'notNamespaces', set: 'allowNamespaces', req: http({ principal: `spiffe://${TD}/ns/team-b/sa/x` }), allowed: false },
  { name: 'namespaces: other', set: 'allowNamespaces', req: http({ principal: ADMIN }), allowed: false },
  { name: 'namespaces: unauthenticated', set: 'allowNamespaces', req: http({}), allowed: false },
  { name: 'namespaces: given sourceNamespace wins', set: 'allowNamespaces', req: http({ principal: ADMIN, namespace: 'web' }), allowed: true, policy: 'app/ns' },
  { name: 'ipBlocks v4', set: 'allowIpBlocks', req: http({ ip: '10.200.0.1' }), allowed: true, policy: 'app/ip' },
  { name: 'ipBlocks v4-mapped v6', set: 'allowIpBlocks', req: tcp({ ip: '::ffff:10.200.0.1' }), allowed: true, policy: 'app/ip' },
  { name: 'ipBlocks outside', set: 'allowIpBlocks', req: http({ ip: '192.168.1.1' }), allowed: false },
  { name: 'notIpBlocks', set: 'allowIpBlocks', req: http({ ip: '10.9.3.4' }), allowed: false },
  { name: 'ipBlocks v6', set: 'allowIpBlocks', req: http({ ip: 'fd12::1' }), allowed: true, policy: 'app/ip' },
  { name: 'ipBlocks v6 outside', set: 'allowIpBlocks', req: http({ ip: '::1' }), allowed: false },
  { name: 'ipBlocks: garbage address matches nothing', set: 'allowIpBlocks', req: http({ ip: 'not-an-ip' }), allowed: false },
  { name: 'ports: http match', set: 'allowPorts', req: http({ port: 8080 }), allowed: true, policy: 'app/ports' },
  { name: 'ports: tcp match', set: 'allowPorts', req: tcp({ port: 6379 }), allowed: true, policy: 'app/ports' },
  { name: 'ports: other', set: 'allowPorts', req: tcp({ port: 5432 }), allowed: false },
  { name: 'methods: GET', set: 'allowGet', req: http({ method: 'GET' }), allowed: true, policy: 'app/get' },
  { name: 'methods: POST', set: 'allowGet', req: http({ method: 'POST' }), allowed: false },
  { name: 'methods are case-sensitive', set: 'allowGet', req: http({ method: 'get' }), allowed: false },
  { name: 'notMethods DENY: POST denied', set: 'denyNotGet', req: http({ method: 'POST' }), allowed: false, policy: 'app/deny-writes' },
  { name: 'notMethods DENY: GET passes', set: 'denyNotGet', req: http({ method: 'GET' }), allowed: true },
  { name: 'paths exact', set: 'allowPaths', req: http({ path: '/health' }), allowed: true, policy: 'app/paths' },
  { name: 'paths exact ignores query', set: 'allowPaths', req: http({ path: '/health?verbose=1' }), allowed: true, policy: 'app/paths' },
  { name: 'paths exact is exact', set: 'allowPaths', req: http({ path: '/healthz' }), allowed: false },
  { name: 'paths prefix', set: 'allowPaths', req: http({ path: '/api/v1/users' }), allowed: true, policy: 'app/paths' },
  { name: 'paths suffix', set: 'allowPaths', req: http({ path: '/img/logo.png' }), allowed: true, policy: 'app/paths' },
  { name: 'paths: none', set: 'allowPaths', req: http({ path: '/other' }), allowed: false },
  { name: 'paths: dot segments normalized before matching', set: 'allowPaths', req: http({ path: '/api/../secret' }), allowed: false },
  { name: 'notPaths: other path allowed', set: 'allowNotAdmin', req: http({ path: '/users' }), allowed: true, policy: 'app/not-admin' },
  { name: 'notPaths: /admin denied', set: 'allowNotAdmin', req: http({ path: '/admin' }), allowed: false },
  { name: 'notPaths: /admin/x denied', set: 'allowNotAdmin', req: http({ path: '/admin/x' }), allowed: false },
  { name: 'DENY before ALLOW', set: 'allowAllDenyAdmin', req: http({ path: '/admin/users', principal: ADMIN }), allowed: false, policy: 'app/deny-admin' },
  { name: 'DENY miss then ALLOW', set: 'allowAllDenyAdmin', req: http({ path: '/users' }), allowed: true, policy: 'app/allow-all' },
  { name: 'DENY path: traversal normalized', set: 'allowAllDenyAdmin', req: http({ path: '/public/../admin' }), allowed: false, policy: 'app/deny-admin' },
  { name: 'DENY path: percent-encoded normalized', set: 'allowAllDenyAdmin', req: http({ path: '/%61dmin' }), allowed: false, policy: 'app/deny-admin' },
  { name: 'DENY path: dot segment', set: 'allowAllDenyAdmin', req: http({ path: '/./admin' }), allowed: false, policy: 'app/deny-admin' },
  { name: 'hosts exact, case and port insensitive', set: 'allowHosts', req: http({ host: 'API.example.com:8080' }), allowed: true, policy: 'app/hosts' },
  { name: 'hosts suffix wildcard', set: 'allowHosts', req: http({ host: 'db.internal' }), allowed: true, policy: 'app/hosts' },
  { name: 'hosts: other', set: 'allowHosts', req: http({ host: 'evil.example.com' }), allowed: false },
  { name: 'hosts with port: exact port', set: 'allowHostWithPort', req: http({ host: 'api.example.com:8443' }), allowed: true, policy: 'app/hostport' },
  { name: 'hosts with port: other port', set: 'allowHostWithPort', req: http({ host: 'api.example.com:80' }), allowed: false },
  { name: 'hosts host:* (Istio form): any port', set: 'allowHostWithPort', req: http({ host: 'db.example.com:5432' }), allowed: true, policy: 'app/hostport' },
  { name: 'hosts host:* (Istio form): no port', set: 'allowHostWithPort', req: http({ host: 'db.example.com' }), allowed: false },
  { name: 'header condition: value', set: 'allowHeader', req: http({ headers: { 'x-user': 'alice' } }), allowed: true, policy: 'app/hdr' },
  { name: 'header condition: prefix value', set: 'allowHeader', req: http({ headers: { 'x-user': 'bobby' } }), allowed: true, policy: 'app/hdr' },
  { name: 'header condition: other value', set: 'allowHeader', req: http({ headers: { 'x-user': 'mallory' } }), allowed: false },
  { name: 'header condition: absent', set: 'allowHeader', req: http({}), allowed: false },
  { name: 'header presence (*): empty value is present', set: 'allowHeaderPresent', req: http({ headers: { 'x-token': '' } }), allowed: true, policy: 'app/present' },
  { name: 'header presence (*): absent', set: 'allowHeaderPresent', req: http({}), allowed: false },
  { name: 'header notValues DENY: other value denied', set: 'denyHeaderNot', req: http({ headers: { 'x-env': 'dev' } }), allowed: false, policy: 'app/hdr-not' },
  { name: 'header notValues DENY: listed value passes', set: 'denyHeaderNot', req: http({ headers: { 'x-env': 'prod' } }), allowed: true },
  { name: 'header notValues DENY: absent header denied', set: 'denyHeaderNot', req: http({}), allowed: false, policy: 'app/hdr-not' },
  { name: 'conditions: all hold', set: 'allowConditions', req: http({ principal: FRONTEND, ip: '10.0.0.5' }), allowed: true, policy: 'app/conds' },
  { name: 'conditions: tcp all hold', set: 'allowConditions', req: tcp({ principal: FRONTEND, ip: '10.0.0.5', port: 6379 }), allowed: true, policy: 'app/conds' },
  { name: 'conditions: ip fails', set: 'allowConditions', req: http({ principal: FRONTEND, ip: '11.0.0.5' }), allowed: false },
  { name: 'conditions: namespace fails', set: 'allowConditions', req: http({ principal: ADMIN }), allowed: false },
  { name: 'conditions: principal notValues fails', set: 'allowConditions', req: http({ principal: WEB_OTHER }), allowed: false },
  { name: 'conditions: port fails', set: 'allowConditions', req: http({ principal: FRONTEND, port: 9999 }), allowed: false },
  { name: 'ALLOW without rules denies all', set: 'allowNoRules', req: http({ principal: FRONTEND }), allowed: false },
  { name: 'ALLOW with rules [] denies all', set: 'allowEmptyRules', req: tcp({ principal: FRONTEND }), allowed: false },
  { name: 'ALLOW rules [{}] allows all', set: 'allowEverything', req: http({}), allowed: true, policy: 'app/everything' },
  { name: 'ALLOW rules [{}] allows all tcp', set: 'allowEverything', req: tcp({}), allowed: true, policy: 'app/everything' },
  { name: 'DENY rules [{}] wins over ALLOW all', set: 'denyEverything', req: http({ principal: ADMIN }), allowed: false, policy: 'app/deny-all' },
  { name: 'DENY without rules matches nothing', set: 'denyNoRules', req: http({}), allowed: true },
  { name: 'AUDIT never decides (default ALLOW)', set: 'auditOnly', req: http({}), allowed: true },
  { name: 'AUDIT is not an ALLOW policy (default DENY)', set: 'auditOnlyDefaultDeny', req: http({ principal: FRONTEND }), allowed: false },
  { name: 'AUDIT beside ALLOW: ALLOW decides', set: 'auditAndAllow', req: http({ principal: FRONTEND }), allowed: true, policy: 'app/allow-fe' },
  { name: 'AUDIT beside ALLOW: unmatched denied', set: 'auditAndAllow', req: http({ principal: ADMIN }), allowed: false },
  { name: 'default DENY with ALLOW match', set: 'allowFrontendDefaultDeny', req: http({ principal: FRONTEND }), allowed: true, policy: 'app/allow-frontend' },
  { name: 'default DENY with ALLOW miss', set: 'allowFrontendDefaultDeny', req: http({ principal: ADMIN }), allowed: false },
  { name: 'rule AND: all parts match', set: 'ruleAnd', req: http({ principal: FRONTEND, path: '/a' }), allowed: true, policy: 'app/and' },
  { name: 'rule AND: path fails', set: 'ruleAnd', req: http({ principal: FRONTEND, path: '/b' }), allowed: false },
  { name: 'rule AND: method fails', set: 'ruleAnd', req: http({ principal: FRONTEND, path: '/a', method: 'PUT' }), allowed: false },
  { name: 'rule AND: source fails', set: 'ruleAnd', req: http({ principal: ADMIN, path: '/a' }), allowed: false },
  { name: 'from any-of: second source', set: 'ruleAnyOf', req: http({ principal: ADMIN, path: '/a' }), allowed: true, policy: 'app/anyof' },
  { name: 'to any-of: second operation', set: 'ruleAnyOf', req: http({ principal: FRONTEND, path: '/z', port: 9090 }), allowed: true, policy: 'app/anyof' },
  { name: 'any-of: neither operation', set: 'ruleAnyOf', req: http({ principal: FRONTEND, path: '/z' }), allowed: false },
  { name: 'second rule decides with its index', set: 'secondRule', req: http({ principal: FRONTEND }), allowed: true, policy: 'app/two', ruleIndex: 1 },
  { name: 'tcp: ALLOW principal+port', set: 'tcpAllowRedis', req: tcp({ principal: FRONTEND, port: 6379 }), allowed: true, policy: 'app/redis' },
  { name: 'tcp: ALLOW principal+port, other caller', set: 'tcpAllowRedis', req: tcp({ principal: ADMIN, port: 6379 }), allowed: false },
  { name: 'tcp: ALLOW with HTTP-only field never matches TCP', set: 'tcpAllowHttpOnly', req: tcp({ principal: FRONTEND }), allowed: false },
  { name: 'tcp: same rule matches HTTP GET', set: 'tcpAllowHttpOnly', req: http({ principal: FRONTEND }), allowed: true, policy: 'app/get-only' },
  { name: 'tcp: DENY drops HTTP-only fields (denies more)', set: 'tcpDenyHttpOnly', req: tcp({ port: 6379 }), allowed: false, policy: 'app/deny-get' },
  { name: 'tcp: DENY keeps its TCP fields (other port)', set: 'tcpDenyHttpOnly', req: tcp({ port: 6380 }), allowed: true },
  { name: 'tcp: same DENY on HTTP POST does not match', set: 'tcpDenyHttpOnly', req: http({ method: 'POST', port: 6379 }), allowed: true },
  { name: 'tcp: DENY header condition dropped, source kept', set: 'tcpDenyHeaderFromAdmin', req: tcp({ principal: ADMIN }), allowed: false, policy: 'app/deny-admin-hdr' },
  { name: 'tcp: DENY header condition dropped, other source passes', set: 'tcpDenyHeaderFromAdmin', req: tcp({ principal: FRONTEND }), allowed: true },
  { name: 'http: DENY header condition applies', set: 'tcpDenyHeaderFromAdmin', req: http({ principal: ADMIN }), allowed: true },
  { name: 'tcp: ALLOW with header condition never matches TCP', set: 'tcpAllowHeader', req: tcp({}), allowed: false },
  { name: 'action absent means ALLOW: match', set: 'actionAbsent', req: http({ principal: FRONTEND }), allowed: true, policy: 'app/implicit' },
  { name: 'action absent means ALLOW: others denied', set: 'actionAbsent', req: http({ principal: ADMIN }), allowed: false },
  { name: 'methods prefix wildcard', set: 'methodPrefix', req: http({ method: 'PUT' }), allowed: true, policy: 'app/mprefix' },
  { name: 'methods prefix wildcard: other', set: 'methodPrefix', req: http({ method: 'GET' }), allowed: false },
  { name: 'grpc: allowed method', set: 'grpcMethods', req: grpc({ path: '/pkg.Greeter/SayHello' }), allowed: true, policy: 'app/grpc' },
  { name: 'grpc: other method', set: 'grpcMethods', req: grpc({ path: '/pkg.Greeter/SayBye' }), allowed: false },
  { name: 'grpc: service prefix', set: 'grpcMethods', req: grpc({ path: '/pkg.Admin/List' }), allowed: true, policy: 'app/grpc' },
  { name: 'grpc: DENY one method', set: 'grpcMethods', req: grpc({ path: '/pkg.Admin/Delete' }), allowed: false, policy: 'app/grpc-deny' },
];

test('authorization table: policies × requests give the expected decision and deciding policy', () => {
  const compiled = new Map<string, CompiledAuthorization>();
  for (const [name, s] of Object.entries(sets)) compiled.set(name, compile(s.policies, s.defaultAction ?? 'ALLOW'));
  for (const row of rows) {
    const c = compiled.get(row.set);
    assert.ok(c, `unknown set ${row.set}`);
    const d = authorize(c, row.req);
    assert.equal(d.allowed, row.allowed, `${row.name}: allowed (reason: ${d.reason})`);
    assert.equal(d.policy, row.policy, `${row.name}: deciding policy`);
    if (row.policy === undefined) assert.equal(d.action, 'DEFAULT', `${row.name}: action`);
    else assert.equal(d.action, row.allowed ? 'ALLOW' : 'DENY', `${row.name}: action`);
    if (row.ruleIndex !== undefined) assert.equal(d.ruleIndex, row.ruleIndex, `${row.name}: rule index`);
    // explain walks the same matchers and agrees.
    assert.equal(explainAuthorization(c, row.req).decision, d, `${row.name}: explain agrees`);
  }
  assert.ok(rows.length >= 100);
});

test('decisions are frozen and reused: the same object for the same rule', () => {
  const c = compile(sets['allowFrontend']!.policies);
  const a = authorize(c, http({ principal: FRONTEND, path: '/x' }));
  const b = authorize(c, http({ principal: FRONTEND, path: '/y' }));
  assert.equal(a, b);
  assert.ok(Object.isFrozen(a));
  assert.equal(authorize(c, http({})), authorize(c, tcp({})));
});

test('explain lists every matching rule, AUDIT included', () => {
  const c = compile([pol('audit', 'AUDIT', [{}]), pol('allow-all', 'ALLOW', [{}]), pol('deny-admin', 'DENY', [{ to: [{ operation: { paths: ['/admin'] } }] }])]);
  const e = explainAuthorization(c, http({ path: '/admin' }));
  assert.equal(e.decision.allowed, false);
  assert.deepEqual(
    e.matched.map((m) => `${m.action} ${m.policy}#${m.ruleIndex}`),
    ['DENY app/deny-admin#0', 'ALLOW app/allow-all#0', 'AUDIT app/audit#0'],
  );
  assert.equal(e.hasAllowPolicies, true);
});

test('policies decide in a stable order whatever the input order', () => {
  const p1 = pol('b-deny', 'DENY', [{}]);
  const p2 = pol('a-deny', 'DENY', [{}]);
  assert.equal(authorize(compile([p1, p2]), http({})).policy, 'app/a-deny');
  assert.equal(authorize(compile([p2, p1]), http({})).policy, 'app/a-deny');
});

test('compile refuses unsupported and malformed parts, collecting every problem with its field path', () => {
  const r = compileAuthorization({
    trustDomain: TD,
    defaultAction: 'ALLOW',
    policies: [
      pol('bad', 'ALLOW', [
        {
          from: [{ source: { requestPrincipals: ['iss/sub'], ipBlocks: ['10.0.0.0/33'] } }],
          to: [{ operation: { paths: ['/a*b'], ports: ['70000'] } }],
          when: [{ key: 'request.auth.claims[iss]', values: ['x'] }, { key: 'source.ip', values: ['nope'] }, { key: 'source.namespace' }],
        },
      ]),
      pol('ok', 'ALLOW', [{}]),
    ],
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const got = r.error.map((e) => `${e.code} ${e.where ?? ''}`);
  assert.deepEqual(got.sort(), [
    'WEFT_AUTHZ_POLICY_INVALID app/bad: spec.rules[0].from[0].source.ipBlocks[0]',
    'WEFT_AUTHZ_POLICY_INVALID app/bad: spec.rules[0].to[0].operation.paths[0]',
    'WEFT_AUTHZ_POLICY_INVALID app/bad: spec.rules[0].to[0].operation.ports[0]',
    'WEFT_AUTHZ_POLICY_INVALID app/bad: spec.rules[0].when[1].values[0]',
    'WEFT_AUTHZ_POLICY_INVALID app/bad: spec.rules[0].when[2]',
    'WEFT_AUTHZ_UNSUPPORTED app/bad: spec.rules[0].from[0].source.requestPrincipals',
    'WEFT_AUTHZ_UNSUPPORTED app/bad: spec.rules[0].when[0].key',
  ]);
});

test('compile refuses path templates and an unknown action', () => {
  const r = compileAuthorization({
    trustDomain: TD,
    defaultAction: 'ALLOW',
    policies: [
      pol('tpl', 'ALLOW', [{ to: [{ operation: { paths: ['/users/{*}/x'] } }] }]),
      { name: 'custom', namespace: 'app', spec: { action: 'CUSTOM' as 'ALLOW' } },
    ],
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.error.map((e) => e.code).sort(), ['WEFT_AUTHZ_UNSUPPORTED', 'WEFT_AUTHZ_UNSUPPORTED']);
});
