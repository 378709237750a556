// The IPC messages between the control benchmark's runner and its simulated-proxy processes
// (bench/control-sim-main.ts), and the checks a simulated proxy evaluates on each snapshot it ACKs.
// Times are `process.hrtime` milliseconds: CLOCK_MONOTONIC, the same clock in every process of the box.
import type { BenchRegistration } from './control-scenario.js';

/** What one simulated-proxy process is given at start (as a JSON file). */
export interface SimConfig {
  /** https://127.0.0.1:PORT of the distributor. */
  readonly url: string;
  readonly caPem: string;
  /** Certificate chain and key per namespace (one service account per namespace). */
  readonly identities: Readonly<Record<string, { readonly certPem: string; readonly keyPem: string }>>;
  readonly registrations: readonly BenchRegistration[];
  /** How many streams are being opened at once while connecting. */
  readonly connectConcurrency: number;
  /** HTTP/2 stream and connection receive windows the simulated proxies announce; 0: Node's defaults (64 KiB), as weft proxy. */
  readonly windowBytes: number;
}

/** A condition on a proxy's snapshot that says the change under measurement has reached it. */
export type SnapshotCheck =
  /** The mesh-wide policy carries this round's marker principal. */
  | { readonly kind: 'policy'; readonly namespace: string; readonly name: string; readonly marker: string }
  /** `address` is (or is not) among the ready endpoints of that Service. Only proxies that see the Service are affected. */
  | { readonly kind: 'endpoint'; readonly namespace: string; readonly service: string; readonly address: string; readonly present: boolean }
  /** The proxy sees this many endpoints in all (connect: the whole mesh has registered). Keyed by the proxy's namespace. */
  | { readonly kind: 'endpointCount'; readonly byNamespace: Readonly<Record<string, number>> };

export type RunnerToSim =
  | { readonly cmd: 'connect' }
  /** `fresh`: only ACKs from now on count (a proxy already passing the check still has to ACK again: after a reconnect). */
  | { readonly cmd: 'expect'; readonly id: number; readonly check: SnapshotCheck; readonly timeoutMs: number; readonly fresh?: boolean }
  | { readonly cmd: 'ready'; readonly key: string; readonly ready: boolean }
  | { readonly cmd: 'close' };

/** Bytes and messages received per message kind. */
export interface Traffic {
  readonly snapshot: { readonly messages: number; readonly bytes: number };
  readonly patch: { readonly messages: number; readonly bytes: number };
  readonly other: { readonly messages: number; readonly bytes: number };
  /** Subscriptions lost and reopened (with backoff) meanwhile. */
  readonly reconnects: number;
}

export type SimToRunner =
  | { readonly ev: 'started'; readonly proxies: number }
  /** Every stream got its response (the subscription is open); `firstSnapshotBytes` per proxy that got one. */
  | { readonly ev: 'streams'; readonly openedAt: number; readonly failures: readonly string[]; readonly firstSnapshotBytes: readonly number[] }
  | {
      readonly ev: 'satisfied';
      readonly id: number;
      /** Proxies the check applied to, and how many of them got there before the deadline. */
      readonly affected: number;
      readonly satisfied: number;
      /** When the last affected proxy sent its ACK of a satisfying version (NaN when none). */
      readonly lastAckAt: number;
      /** Per satisfied proxy, when it sent its ACK (hrtime ms). */
      readonly ackTimes: readonly number[];
      readonly traffic: Traffic;
      /** Each affected proxy's latest full snapshot line, in bytes (what a full resync of it costs now). */
      readonly fullSnapshotBytes: readonly number[];
      readonly nacks: number;
      readonly errors: readonly string[];
      /** CPU seconds this process used from the expect to the report, and its RSS now (MB). */
      readonly cpuSeconds: number;
      readonly rssMb: number;
    }
  /** The expectation is registered: the change may be made now. */
  | { readonly ev: 'expecting'; readonly id: number; readonly affected: number }
  | { readonly ev: 'readySent'; readonly key: string; readonly at: number }
  | { readonly ev: 'failed'; readonly message: string };
