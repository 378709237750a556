/**
 * `Workload` (weft.dev/v1alpha1): in universal mode, a process Weft runs in its own network
 * namespace with a sidecar. Each replica is a "pod" carrying the Workload's `metadata.labels`, so a
 * Service selects it by those labels; its identity is spiffe://<td>/ns/<namespace>/sa/<serviceAccount>.
 */
import { ObjectMeta } from '../meta.js';
import { NonEmptyString, PatternString, PortNumber, StrictObject, StringEnum, Type, dnsLabelPattern, dnsSubdomainPattern, portNamePattern, type Static } from '../schema-kit.js';

export const WorkloadPort = StrictObject(
  {
    name: Type.Optional(PatternString(portNamePattern, 'is not a port name (lower-case letters, digits and "-")', { maxLength: 15 })),
    port: PortNumber({ description: 'The port the process listens on.' }),
    protocol: Type.Optional(
      StringEnum(['http', 'http2', 'grpc', 'tcp', 'detect'] as const, {
        default: 'detect',
        description: 'How the sidecar handles the port; "detect" reads the first bytes. Default detect.',
      }),
    ),
  },
  { description: 'A port the process listens on.' },
);
export type WorkloadPort = Static<typeof WorkloadPort>;

export const EnvVar = StrictObject({
  name: PatternString('^[A-Za-z_][A-Za-z0-9_]*$', 'is not an environment variable name (letters, digits and "_", not starting with a digit)'),
  value: Type.Optional(Type.String({ default: '', description: 'Default "".' })),
});

export const ReadinessProbe = StrictObject(
  {
    httpGet: Type.Optional(
      StrictObject({
        path: Type.Optional(PatternString('^/', 'must start with "/"', { default: '/', description: 'Default "/".' })),
        port: PortNumber(),
      }, { description: 'Ready when GET on this path answers 2xx or 3xx.' }),
    ),
    tcpSocket: Type.Optional(StrictObject({ port: PortNumber() }, { description: 'Ready when a TCP connection opens.' })),
    exec: Type.Optional(StrictObject({ command: Type.Array(NonEmptyString(), { minItems: 1 }) }, { description: 'Ready when the command exits 0.' })),
    initialDelaySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, default: 0, description: 'Default 0.' })),
    periodSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, default: 5, description: 'Default 5.' })),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, default: 1, description: 'Default 1.' })),
    successThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1, description: 'Default 1.' })),
    failureThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'Default 3.' })),
  },
  { description: 'How Weft knows a replica is ready for traffic; exactly one of httpGet, tcpSocket, exec.', 'x-weft-check': 'one-probe' },
);
export type ReadinessProbe = Static<typeof ReadinessProbe>;

/** `name` (a Service of the same namespace) or `name.namespace`. */
export const serviceReferencePattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)?$';

export const WorkloadSpec = StrictObject({
  command: NonEmptyString({ description: 'The program to run (a path, or a name looked up in PATH).' }),
  args: Type.Optional(Type.Array(Type.String(), { description: 'Arguments to the program.' })),
  env: Type.Optional(Type.Array(EnvVar, { description: 'Environment variables of the process.' })),
  workingDir: Type.Optional(NonEmptyString({ description: 'Working directory of the process; default the directory of the manifest.' })),
  ports: Type.Optional(Type.Array(WorkloadPort, { description: 'Ports the process listens on.' })),
  serviceAccount: Type.Optional(
    PatternString(dnsSubdomainPattern, 'is not a service account name (lower-case letters, digits, "-" and ".")', {
      maxLength: 253,
      default: 'default',
      description: 'The identity of the workload: spiffe://<td>/ns/<namespace>/sa/<serviceAccount>. Default "default".',
    }),
  ),
  replicas: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, default: 1, description: 'How many copies to run. Default 1.' })),
  zone: Type.Optional(PatternString(dnsLabelPattern, 'is not a zone name (lower-case letters, digits and "-")', { maxLength: 63, description: 'Locality zone, for locality-aware load balancing.' })),
  readinessProbe: Type.Optional(ReadinessProbe),
  reachableServices: Type.Optional(
    Type.Array(
      PatternString(serviceReferencePattern, 'is not a service reference ("name" in the same namespace, or "name.namespace")', { maxLength: 127 }),
      {
        description:
          'The Services this workload calls ("name" in its own namespace, or "name.namespace"). When set, its sidecar is sent only these Services and knows no other (smaller configuration and fewer updates at scale, like the egress hosts of an Istio Sidecar); when absent, every Service of the mesh.',
      },
    ),
  ),
});
export type WorkloadSpec = Static<typeof WorkloadSpec>;

export const Workload = StrictObject(
  {
    apiVersion: Type.Literal('weft.dev/v1alpha1'),
    kind: Type.Literal('Workload'),
    metadata: ObjectMeta,
    spec: WorkloadSpec,
  },
  { description: 'A process Weft runs in universal mode, with its ports, identity, replicas and readiness probe.' },
);
export type Workload = Static<typeof Workload>;
