/**
 * The shape of an `AuthorizationPolicySpec` embedded in a proxy snapshot, checked by hand with the
 * field set of `src/api/kinds/authorization-policy.ts` (whose runtime schema the sidecar must not
 * load). `compileAuthorization` in `src/policy/authz` then does the semantic checks.
 */
import { arrayOf, string, oneOf, strictObject, stringMap, type Check, type FieldRule } from './field-checker.js';

// Same pattern as the api's `principalPattern`: a SPIFFE ID (the scheme may be left out) or "*",
// alone or as a prefix/suffix wildcard. `proxy-snapshot-shape.test.ts` compares both validators.
const principalPattern = /^(\*|\*?(spiffe:\/\/)?[^/*\s]+\/ns\/[^/*\s]+\/sa\/[^/*\s]*\*?|(spiffe:\/\/)?[^/*\s]+\/ns\/[^/\s]+\/sa\/\*|\*?\/?ns\/[^/*\s]+\/sa\/[^/*\s]+)$/u;

const nonEmpty = string({ minLength: 1 });
const optionalList = (item: Check): FieldRule => ({ check: arrayOf(item), optional: true });
const stringList = optionalList(nonEmpty);
const principalList = optionalList(string({ pattern: principalPattern, patternMessage: 'is not a SPIFFE ID or "*"' }));
const portList = optionalList(string({ pattern: /^([1-9][0-9]{0,4})$/u, patternMessage: 'is not a port number' }));

const source = strictObject({
  principals: principalList,
  notPrincipals: principalList,
  namespaces: stringList,
  notNamespaces: stringList,
  ipBlocks: stringList,
  notIpBlocks: stringList,
  requestPrincipals: optionalList(string()),
});

const operation = strictObject({
  hosts: stringList,
  notHosts: stringList,
  ports: portList,
  notPorts: portList,
  methods: stringList,
  notMethods: stringList,
  paths: stringList,
  notPaths: stringList,
});

const condition = strictObject({
  key: { check: nonEmpty },
  values: stringList,
  notValues: stringList,
});

const rule = strictObject({
  from: optionalList(strictObject({ source: { check: source } })),
  to: optionalList(strictObject({ operation: { check: operation } })),
  when: optionalList(condition),
});

const targetRef = strictObject({ group: { check: string() }, kind: { check: string() }, name: { check: string() } });

/** Checks an AuthorizationPolicySpec's shape and fills in `action: ALLOW` when absent. */
export const checkAuthorizationPolicySpec: Check = strictObject({
  selector: { check: strictObject({ matchLabels: { check: stringMap } }), optional: true },
  targetRefs: optionalList(targetRef),
  action: { check: oneOf(['ALLOW', 'DENY', 'AUDIT']), fallback: () => 'ALLOW' },
  rules: optionalList(rule),
});
