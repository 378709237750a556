import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResourceValidator } from './validate.js';
import type { Problem } from './problem.js';

const validator = createResourceValidator();

function problemsOf(doc: unknown): readonly Problem[] {
  const r = validator.validate(doc);
  return r.ok ? r.value.warnings : r.error;
}

function lines(doc: unknown): string[] {
  return problemsOf(doc).map((p) => `${p.severity === 'warning' ? 'warning: ' : ''}${p.path}: ${p.message}`);
}

const route = (spec: unknown) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'a' }, spec });

test('a valid resource comes back frozen, with the schema defaults, and the input untouched', () => {
  const input = route({ parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 's', port: 80 }] }] });
  const before = structuredClone(input);
  const r = validator.validate(input);
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(input, before);
  const res = r.value.resource;
  assert.equal(res.kind, 'HTTPRoute');
  if (res.kind !== 'HTTPRoute') return;
  const rule = res.spec.rules?.[0];
  assert.deepEqual(rule?.matches, [{ path: { type: 'PathPrefix', value: '/' } }]);
  assert.equal(rule?.backendRefs?.[0]?.weight, 1);
  assert.equal(rule?.backendRefs?.[0]?.kind, 'Service');
  assert.equal(rule?.backendRefs?.[0]?.group, '');
  assert.equal(res.spec.parentRefs?.[0]?.kind, 'Gateway');
  assert.equal(res.spec.parentRefs?.[0]?.group, 'gateway.networking.k8s.io');
  assert.ok(Object.isFrozen(res) && Object.isFrozen(res.spec.rules?.[0]?.backendRefs));
});

test('defaults of nested sections are filled in once the section is written', () => {
  const r = validator.validate({
    apiVersion: 'weft.dev/v1alpha1',
    kind: 'TrafficPolicy',
    metadata: { name: 't' },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: 's' }], outlierDetection: {}, retries: { attempts: 5 } },
  });
  assert.ok(r.ok, JSON.stringify(r));
  const res = r.value.resource;
  if (res.kind !== 'TrafficPolicy') return assert.fail('kind');
  assert.equal(res.metadata.namespace, 'default');
  assert.deepEqual(res.spec.outlierDetection, { consecutive5xxErrors: 5, consecutiveGatewayErrors: 0, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 });
  assert.deepEqual(res.spec.retries, { attempts: 5, codes: [502, 503, 504], backoff: '25ms' });
  assert.equal(res.spec.loadBalancer, undefined);
});

test('Mesh defaults: trust domain, STRICT mTLS, ALLOW, 24h', () => {
  const r = validator.validate({ apiVersion: 'weft.dev/v1alpha1', kind: 'Mesh', metadata: { name: 'm' }, spec: {} });
  assert.ok(r.ok);
  assert.deepEqual(r.value.resource.spec, { trustDomain: 'cluster.local', mtls: { mode: 'STRICT' }, defaultAction: 'ALLOW', certificateLifetime: '24h' });
});

test('schema problems are plain words at field paths', () => {
  assert.deepEqual(
    lines({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'p', namespace: 'd', labels: { 'app.kubernetes.io/name': 7 } },
      spec: { action: 'allow', selectr: {}, rules: [{ from: [{ source: { principals: ['app', 'spiffe://cluster.local/ns/c/sa/app', '*'] } }], to: [{ operation: { ports: [80] } }] }] },
    }),
    [
      'metadata.labels["app.kubernetes.io/name"]: must be a string, not a number (7)',
      'spec.selectr: unknown field (did you mean "selector"?)',
      'spec.action: "allow" is not one of: ALLOW, DENY, AUDIT',
      'spec.rules[0].from[0].source.principals[0]: "app" is not a SPIFFE ID or "*"',
      'spec.rules[0].to[0].operation.ports[0]: must be a string, not a number (80)',
    ],
  );
});

test('a document that is not a resource says what is missing', () => {
  assert.deepEqual(lines('hello'), [': a resource must be a mapping with apiVersion, kind, metadata and spec, not a string ("hello")']);
  assert.deepEqual(lines({}), ['apiVersion: required field is missing', 'kind: required field is missing']);
  assert.deepEqual(lines({ apiVersion: 'v1', kind: 'service' }), [
    'kind: "service" is not a kind Weft knows (did you mean "Service"?); known kinds: Namespace, Service, Gateway, HTTPRoute, GRPCRoute, Mesh, Workload, AuthorizationPolicy, TrafficPolicy, RateLimitPolicy, FaultInjection, Canary',
  ]);
  assert.deepEqual(lines({ apiVersion: 'v1', kind: 'Service' }), ['metadata: required field is missing', 'spec: required field is missing']);
});

test('problems carry their error code: unknown kinds apart from invalid fields', () => {
  assert.deepEqual(problemsOf({ apiVersion: 'v1', kind: 'Pod' }).map((p) => p.code), ['WEFT_CONFIG_UNKNOWN_KIND']);
  assert.deepEqual(problemsOf({ apiVersion: 'v2', kind: 'Service' }).map((p) => p.code), ['WEFT_CONFIG_UNKNOWN_KIND']);
  assert.deepEqual(problemsOf({ apiVersion: 'v1', kind: 'Service', metadata: {}, spec: {} }).map((p) => p.code), ['WEFT_CONFIG_INVALID']);
});

test('int-or-string: the fitting branch explains, or one line when neither fits', () => {
  const svc = (targetPort: unknown) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort }] } });
  assert.deepEqual(lines(svc(0)), ['spec.ports[0].targetPort: 0 is less than the minimum, 1']);
  assert.deepEqual(lines(svc('HTTP')), ['spec.ports[0].targetPort: "HTTP" is not a port name (lower-case letters, digits and "-", at most 15 characters)']);
  assert.deepEqual(lines(svc([1])), ['spec.ports[0].targetPort: must be a whole number or a string, not a list']);
  assert.deepEqual(lines(svc('http')), []);
  assert.deepEqual(lines(svc(8080)), []);
});

test('semantic checks: regexes, weights, timeouts, filters, Istio rules', () => {
  assert.deepEqual(
    lines(route({
      parentRefs: [{ name: 'gw' }],
      rules: [
        { matches: [{ path: { type: 'RegularExpression', value: '[' } }, { path: { value: 'no-slash' } }, { headers: [{ type: 'RegularExpression', name: 'x', value: '(' }] }] },
        { backendRefs: [{ name: 'a', port: 1, weight: 0 }], timeouts: { request: '1s', backendRequest: '2s' } },
        { filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replacePrefixMatch: '/x' } } }] },
      ],
    })),
    [
      'spec.rules[0].matches[0].path.value: "[" is not a valid regular expression (Unterminated character class)',
      'spec.rules[0].matches[1].path.value: "no-slash" must start with "/"',
      'spec.rules[0].matches[2].headers[0].value: "(" is not a valid regular expression (Unterminated group)',
      'spec.rules[2].filters[0].urlRewrite.path.replaceFullPath: required when type is ReplaceFullPath',
      'spec.rules[2].filters[0].urlRewrite.path.replacePrefixMatch: must not be set when type is ReplaceFullPath',
      'spec.rules[1].backendRefs: the weights add up to 0, so every matching request fails',
      'spec.rules[1].timeouts.backendRequest: "2s" is longer than timeouts.request ("1s")',
    ],
  );
  // Kind-level checks run once the schema passes; with a schema error they wait.
  assert.deepEqual(lines(route({ parentRefs: 'gw', rules: [{ backendRefs: [{ name: 'a', port: 1, weight: 0 }] }] })), [
    'spec.parentRefs: must be a list, not a string ("gw")',
  ]);
  assert.deepEqual(lines(route({ rules: [{ backendRefs: [{ name: 'a', port: 1, weight: 0 }], timeouts: { request: '1s', backendRequest: '2s' } }] })), [
    'warning: spec.parentRefs: the route attaches to nothing (no parentRefs), so it has no effect',
    'spec.rules[0].backendRefs: the weights add up to 0, so every matching request fails',
    'spec.rules[0].timeouts.backendRequest: "2s" is longer than timeouts.request ("1s")',
  ]);
  assert.deepEqual(
    lines({
      apiVersion: 'weft.dev/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'p' },
      spec: { selector: { matchLabels: { a: 'b' } }, targetRefs: [{ group: '', kind: 'Pod', name: 'x' }] },
    }),
    [
      'spec.targetRefs: cannot be used together with selector; use one of them',
      'spec.targetRefs[0]: cannot target group "" kind Pod; allowed: core/Service, gateway.networking.k8s.io/Gateway',
      'warning: spec.rules: an ALLOW policy without rules allows nothing: every request to the selected workloads is denied',
    ],
  );
});

test('warnings alone leave the resource valid', () => {
  const r = validator.validate({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', namespace: 'x' } });
  assert.ok(r.ok);
  assert.deepEqual(r.value.warnings, [
    { path: 'metadata.namespace', message: 'Namespace is cluster-scoped; the namespace is ignored', severity: 'warning', code: 'WEFT_CONFIG_INVALID' },
  ]);
});

test('every kind accepts a minimal resource and refuses an unknown spec field', async () => {
  const { kinds } = await import('./kinds.js');
  const minimal: Record<string, unknown> = {
    Namespace: undefined,
    Service: {},
    Gateway: { gatewayClassName: 'weft', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    HTTPRoute: { parentRefs: [{ name: 'gw' }] },
    GRPCRoute: { parentRefs: [{ name: 'gw' }] },
    Mesh: {},
    Workload: { command: 'true' },
    AuthorizationPolicy: { rules: [{}] },
    TrafficPolicy: { targetRefs: [{ group: '', kind: 'Service', name: 's' }] },
    RateLimitPolicy: { targetRefs: [{ group: '', kind: 'Service', name: 's' }], limits: [{ requests: 1 }] },
    FaultInjection: { abort: { httpStatus: 503 } },
    Canary: { service: 's', stable: { name: 'a' }, canary: { name: 'b' }, steps: [{ weight: 10 }] },
  };
  for (const k of kinds) {
    const spec = minimal[k.kind];
    const doc = { apiVersion: k.apiVersion, kind: k.kind, metadata: { name: 'x' }, ...(spec !== undefined ? { spec } : {}) };
    const r = validator.validate(doc);
    assert.ok(r.ok, `${k.kind}: ${JSON.stringify(r)}`);
    const bad = validator.validate({ ...doc, spec: { ...(spec as object), bogus: 1 } });
    assert.ok(!bad.ok && bad.error.some((p) => p.path === 'spec.bogus' && p.message.startsWith('unknown field')), k.kind);
  }
});

test('a mapping where a word is expected is described, not converted (found by the property test: {toString: false} crashed validate)', () => {
  const doc = route({ parentRefs: [{ name: 'gw' }], rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: { toString: false } } }] }] });
  const found = lines(doc);
  assert.ok(found.some((l) => l.startsWith('spec.rules[0].filters[0].requestRedirect.scheme: ') && l.includes('a mapping')), found.join('\n'));
});
