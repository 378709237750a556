// The raw record of one control-plane scale benchmark run: what control-bench.ts measures and
// control-report.ts renders. Times in ms, CPU in seconds, memory in MB (2^20 bytes), sizes in bytes.
import type { ControlScale } from './control-scenario.js';
import type { MachineInfo } from './machine.js';

export type ChangeKind = 'policy' | 'endpoint';

/** Bytes and messages the simulated proxies received for one change, summed over all of them. */
export interface RoundTraffic {
  readonly snapshotMessages: number;
  readonly snapshotBytes: number;
  readonly patchMessages: number;
  readonly patchBytes: number;
  readonly otherMessages: number;
  readonly otherBytes: number;
  readonly nacks: number;
  /** Subscriptions the simulated proxies lost and reopened. */
  readonly reconnects: number;
}

export interface ChangeRound {
  readonly round: number;
  /** Warm-up rounds are recorded but left out of the percentiles. */
  readonly warmup: boolean;
  /** What changed: `policy round-3`, `bench-007/inst-004 not ready`. */
  readonly change: string;
  /** From the API's answer (policy) or the `ready` message's send (endpoint) to the last affected proxy's ACK; NaN when it timed out. */
  readonly latencyMs: number;
  /** Policy: how long the apply request itself took (POST /api/v1/apply). */
  readonly applyMs: number;
  readonly affected: number;
  readonly satisfied: number;
  /** Median over affected proxies of the time to their ACK. */
  readonly medianProxyMs: number;
  /** Control plane CPU from just before the change until it was idle again after the last ACK. */
  readonly controlCpuSeconds: number;
  /** CPU of the simulated proxies' processes over the same change. */
  readonly simCpuSeconds: number;
  readonly traffic: RoundTraffic;
  readonly errors: readonly string[];
}

/** Every proxy reaching a state (connected, seeing the whole mesh), bounded by a timeout. */
export interface Convergence {
  /** Seconds to the last proxy's ACK; NaN when not every proxy got there in time. */
  readonly seconds: number;
  /** Seconds until every stream was open (connects only). */
  readonly streamsSeconds: number;
  readonly converged: number;
  readonly failures: readonly string[];
  readonly controlCpuSeconds: number;
  /** What all proxies received meanwhile. */
  readonly traffic: RoundTraffic;
}

export interface ScenarioRun {
  readonly label: string;
  /** Whether proxies were scoped to the Services they may reach (Workload.spec.reachableServices). */
  readonly scoped: boolean;
  /** Set when this scenario could not run: the report says why. */
  readonly unavailable: string | undefined;
  readonly scale: ControlScale;
  readonly totals: { readonly proxies: number; readonly services: number; readonly endpoints: number };
  readonly simProcesses: number;
  /** Whether the simulated proxies could apply patches (applySnapshotPatch present in this build). */
  readonly patchSupport: boolean;
  readonly setup: {
    /** Issuing the identities (one bootstrap token and certificate per namespace). */
    readonly certificatesSeconds: number;
  };
  /** Cold connect: every proxy opens its stream to a control plane with no Services yet (small snapshots). */
  readonly connect: Convergence;
  /** Then every Service in one `POST /api/v1/apply`: from the API's answer to the last proxy's ACK of the whole mesh. */
  readonly bulkApply: Convergence & {
    readonly resources: number;
    /** How long the apply request itself took. */
    readonly applyMs: number;
    /** Each proxy's full snapshot line once the whole mesh is in it, in bytes. */
    readonly fullSnapshotBytes: { readonly median: number; readonly min: number; readonly max: number };
  };
  /**
   * Last: the control plane is restarted on the same home and ports (the store keeps every Service,
   * the registry starts empty); every proxy reconnects by itself with backoff and jitter. From the
   * SIGTERM to the last proxy's ACK of the whole mesh. Undefined when not run.
   */
  readonly restart: (Convergence & { readonly peakRssMb: number }) | undefined;
  readonly policy: readonly ChangeRound[];
  readonly endpoint: readonly ChangeRound[];
  readonly control: {
    readonly rssAfterConnectMb: number;
    readonly rssEndMb: number;
    /** VmHWM: the control plane process's peak RSS over the whole scenario. */
    readonly peakRssMb: number;
    /** CPU seconds over the whole scenario. */
    readonly cpuSeconds: number;
  };
  /** Peak RSS of each simulated-proxy process. */
  readonly simPeakRssMb: readonly number[];
  /** Busy CPU of the box during the measured changes that was neither the control plane nor the simulated proxies (vCPU). */
  readonly otherVcpu: number;
  readonly problems: readonly string[];
}

export interface ControlBenchSettings {
  readonly quick: boolean;
  readonly changes: number;
  readonly warmupChanges: number;
  readonly changeTimeoutSeconds: number;
  /** Wall-clock budget per change kind: rounds stop early when it is spent. */
  readonly budgetSeconds: number;
  readonly simProcesses: number;
  readonly windowBytes: number;
}

export interface ControlBenchRun {
  readonly startedAt: string;
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly durationSeconds: number;
  readonly command: string;
  /** `git describe`-style: branch and commit measured. */
  readonly revision: string;
  readonly machine: MachineInfo;
  readonly settings: ControlBenchSettings;
  readonly scenarios: readonly ScenarioRun[];
  readonly notes: readonly string[];
}

/** Checks that a parsed record has the shape of a control benchmark run (for `--render` and the test). */
export function isControlBenchRun(v: unknown): v is ControlBenchRun {
  const r = v as Partial<ControlBenchRun> | null;
  return r !== null && typeof r === 'object' && Array.isArray(r.scenarios) && typeof r.settings === 'object' && typeof r.machine === 'object';
}
