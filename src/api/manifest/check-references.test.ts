import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResourceValidator } from '../validate.js';
import { formatManifestProblem } from './manifest-problem.js';
import { validateManifestSources } from './validate-manifests.js';

const validator = createResourceValidator();

function warnings(yaml: string): string[] {
  const report = validateManifestSources(validator, [{ file: 'm.yaml', text: yaml }]);
  assert.ok(report.problems.every((p) => p.severity === 'warning' && p.code === 'WEFT_CONFIG_REFERENCE'), report.problems.map(formatManifestProblem).join('\n'));
  return report.problems.map(formatManifestProblem);
}

const service = (ns: string, name: string, port = 80, labels = `{ app: ${name} }`) =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: ${ns} }\nspec: { selector: ${labels}, ports: [{ port: ${port} }] }\n`;
const workload = (ns: string, name: string) =>
  `apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: { name: ${name}, namespace: ${ns}, labels: { app: ${name} } }\nspec: { command: x }\n`;

test('a consistent set has no warnings', () => {
  const set = [
    service('a', 's'),
    workload('a', 's'),
    'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: gw, namespace: a }\nspec: { gatewayClassName: weft, listeners: [{ name: http, port: 80, protocol: HTTP }] }\n',
    'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: { name: r, namespace: a }\nspec: { parentRefs: [{ name: gw, sectionName: http }], rules: [{ backendRefs: [{ name: s, port: 80 }] }] }\n',
  ].join('---\n');
  assert.deepEqual(warnings(set), []);
});

test('routes: missing backends, ports, parents, listeners and extensions are warnings', () => {
  const set = [
    service('a', 's'),
    'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: gw, namespace: a }\nspec: { gatewayClassName: weft, listeners: [{ name: http, port: 80, protocol: HTTP }] }\n',
    `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: r, namespace: a }
spec:
  parentRefs: [{ name: gw, sectionName: https }, { name: other }, { group: "", kind: Service, name: nope }]
  rules:
    - filters: [{ type: ExtensionRef, extensionRef: { group: weft.dev, kind: FaultInjection, name: f } }]
      backendRefs: [{ name: s, port: 81 }, { name: missing, port: 80 }, { name: s, namespace: b, port: 80 }]
`,
  ].join('---\n');
  assert.deepEqual(warnings(set), [
    'warning: m.yaml: document 3 (HTTPRoute a/r): spec.parentRefs[0].sectionName: Gateway a/gw has no listener "https"',
    'warning: m.yaml: document 3 (HTTPRoute a/r): spec.parentRefs[1]: no Gateway "other" in namespace "a" among the manifests',
    'warning: m.yaml: document 3 (HTTPRoute a/r): spec.parentRefs[2]: no Service "nope" in namespace "a" among the manifests',
    'warning: m.yaml: document 3 (HTTPRoute a/r): spec.rules[0].filters[0].extensionRef: no FaultInjection "f" in namespace "a" among the manifests',
    'warning: m.yaml: document 3 (HTTPRoute a/r): spec.rules[0].backendRefs[0].port: Service a/s has no port 81',
    'warning: m.yaml: document 3 (HTTPRoute a/r): spec.rules[0].backendRefs[1]: no Service "missing" in namespace "a" among the manifests',
    'warning: m.yaml: document 3 (HTTPRoute a/r): spec.rules[0].backendRefs[2]: no Service "s" in namespace "b" among the manifests',
  ]);
});

test('policies that select nothing, Canary services, undeclared namespaces and duplicates', () => {
  const set = [
    'apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n',
    workload('a', 'w'),
    service('a', 'w'),
    service('z', 'q', 80, '{ app: q }'),
    'apiVersion: weft.dev/v1alpha1\nkind: AuthorizationPolicy\nmetadata: { name: p, namespace: a }\nspec: { selector: { matchLabels: { app: nobody } }, rules: [{}] }\n',
    'apiVersion: weft.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: { name: t, namespace: a }\nspec: { targetRefs: [{ group: "", kind: Service, name: gone }] }\n',
    'apiVersion: weft.dev/v1alpha1\nkind: Canary\nmetadata: { name: c, namespace: a }\nspec: { service: w, stable: { name: w }, canary: { name: w2 }, steps: [{ weight: 10 }] }\n',
    service('a', 'w'),
  ].join('---\n');
  assert.deepEqual(warnings(set), [
    'warning: m.yaml: document 8 (Service a/w): is defined again (first in m.yaml document 3); the later one wins',
    'warning: m.yaml: document 4 (Service z/q): metadata.namespace: namespace "z" is not declared by a Namespace among the manifests',
    'warning: m.yaml: document 4 (Service z/q): spec.selector: selects nothing: no Workload in namespace "z" has these labels',
    'warning: m.yaml: document 5 (AuthorizationPolicy a/p): spec.selector: selects nothing: no Workload in namespace "a" has these labels',
    'warning: m.yaml: document 6 (TrafficPolicy a/t): spec.targetRefs[0]: selects nothing: no Service "gone" in namespace "a" among the manifests',
    'warning: m.yaml: document 7 (Canary a/c): spec.canary.name: no Service "w2" in namespace "a" among the manifests',
  ]);
});

test('without Workloads in the set (Kubernetes mode), selectors are not checked', () => {
  const set = [
    service('a', 's'),
    'apiVersion: weft.dev/v1alpha1\nkind: AuthorizationPolicy\nmetadata: { name: p, namespace: a }\nspec: { selector: { matchLabels: { app: x } }, rules: [{}] }\n',
  ].join('---\n');
  assert.deepEqual(warnings(set), []);
});

test('a Workload\'s reachableServices naming no Service among the manifests are warnings', () => {
  const set = [
    service('a', 's'),
    service('b', 't'),
    'apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: { name: w, namespace: a, labels: { app: s } }\nspec: { command: x, reachableServices: [s, t.b, t, s.b, nope.c] }\n',
  ].join('---\n');
  const text = warnings(set).join('\n');
  assert.match(text, /reachableServices\[2\].*no Service "t" in namespace "a"/);
  assert.match(text, /reachableServices\[3\].*no Service "s" in namespace "b"/);
  assert.match(text, /reachableServices\[4\].*no Service "nope" in namespace "c"/);
  assert.equal(warnings(set).filter((w) => w.includes('reachableServices')).length, 3);
});

test('reachableServices: a malformed reference is an error, a repeated one too', () => {
  const report = validateManifestSources(validator, [{ file: 'm.yaml', text: 'apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: { name: w, namespace: a, labels: { app: w } }\nspec: { command: x, reachableServices: ["Bad_Name", s, s.a, t.b.c] }\n' }]);
  const errors = report.problems.filter((p) => p.severity === 'error').map(formatManifestProblem).join('\n');
  assert.match(errors, /reachableServices\[0\]/);
  assert.match(errors, /reachableServices\[3\]/);
  const repeated = validateManifestSources(validator, [{ file: 'm.yaml', text: 'apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: { name: w, namespace: a, labels: { app: w } }\nspec: { command: x, reachableServices: [s, s.a] }\n' }]);
  assert.match(repeated.problems.filter((p) => p.severity === 'error').map(formatManifestProblem).join('\n'), /reachableServices\[1\].*more than once/);
});
