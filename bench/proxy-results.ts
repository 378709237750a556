// The raw record of one proxy benchmark run: what the runner measures and the report renders.
import type { ProxyConfigId } from './args.js';
import type { FixedRateResult } from './fixed-rate-summary.js';
import type { MachineInfo } from './machine.js';
import type { WrkResult } from './wrk-output.js';

/** A measured process of a chain: the upstream app (A) or one proxy hop (B, W). */
export type HopRole = 'upstream' | 'hop1' | 'hop2';

/** One measured process in one round. CPU in vCPU (cores), memory in MB (2^20 bytes). */
export interface HopRound {
  readonly role: HopRole;
  /** RSS before the round's load: "fresh" in round 1 (after one warm-up request), "after load" later. */
  readonly idleRssMb: number;
  readonly wrkVcpu: number;
  readonly wrkPeakRssMb: number;
  /** vCPU over the measured window of the fixed-rate run: the "vCPU per hop at 1,000 rps". */
  readonly fixedVcpu: number;
  readonly fixedPeakRssMb: number;
  /** The fixed-rate peak sample's anonymous and file-backed parts (absent in records made before they were sampled). */
  readonly fixedPeakAnonMb?: number;
  readonly fixedPeakFileMb?: number;
}

export interface ConfigRound {
  readonly round: number;
  readonly wrk: WrkResult | undefined;
  readonly fixed: FixedRateResult | undefined;
  /** Why a run of this round produced no figures, if one did not. */
  readonly problems: readonly string[];
  readonly hops: readonly HopRound[];
  /** Busy vCPU of the whole machine over the fixed-rate window: far above the chain's own use means other work interfered. */
  readonly boxBusyVcpuAtRate: number;
  /** The part of it not used by the benchmark's own processes (upstream, hops, generator): interference. */
  readonly otherVcpuAtRate: number;
  /** hop1 → hop2 connections (chains only): established half-way through wrk, and in TIME_WAIT right after it. */
  readonly interHop: { readonly establishedMidWrk: number; readonly timeWaitAfterWrk: number } | undefined;
}

export interface ConfigRun {
  readonly id: ProxyConfigId;
  readonly label: string;
  /** Set when the chain could not be started or did not pass its checks: the report says why. */
  readonly unavailable: string | undefined;
  readonly hopRoles: readonly HopRole[];
  /** Checks the chain passed before any load (status and body, mTLS refusals, authorization) and after it. */
  readonly checks: readonly string[];
  /** What makes this configuration's figures not what the targets ask for (e.g. no access log written). */
  readonly warnings?: readonly string[];
  readonly rounds: readonly ConfigRound[];
  /** RSS of each measured process once every round is over ("idle after load"). */
  readonly finalIdleRssMb: readonly { readonly role: HopRole; readonly mb: number }[];
}

export interface ProxyBenchSettings {
  readonly rounds: number;
  readonly wrkSeconds: number;
  readonly fixedSeconds: number;
  readonly warmupSeconds: number;
  readonly rate: number;
  readonly connections: number;
  readonly quick: boolean;
}

export interface ProxyBenchRun {
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  /** 1-minute load average at the start and at the end of the run (other work on the box shows here). */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly durationSeconds: number;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly settings: ProxyBenchSettings;
  readonly configs: readonly ConfigRun[];
  readonly notes: readonly string[];
}
