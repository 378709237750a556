// Pure parsing of `npm run bench -- <benchmark> [flags]`.
import { err, ok, type Result } from '../src/core/result.js';
import { sidecarNodeOptions } from '../src/proxy/sidecar-node-options.js';

/** The benchmarks `npm run bench` knows: `proxy` (issue 4) and `control` (issue 3). */
export type BenchmarkName = 'proxy' | 'control';
/** Configurations of the proxy benchmark: A direct, B HAProxy chain, W Weft chain. */
/** A direct, B HAProxy, W Weft (weft-mux between the hops), V Weft with one TLS connection per pooled connection (`--no-mesh-mux`). */
export type ProxyConfigId = 'A' | 'B' | 'W' | 'V';

export interface BenchOptions {
  readonly benchmark: BenchmarkName;
  readonly rounds: number;
  readonly wrkSeconds: number;
  readonly fixedSeconds: number;
  readonly warmupSeconds: number;
  /** Pause between the wrk run and the fixed-rate run, to let the box settle. */
  readonly pauseSeconds: number;
  readonly rate: number;
  readonly connections: number;
  readonly configs: readonly ProxyConfigId[];
  /** Where the report goes; undefined with --no-write (print only). */
  readonly outFile: string | undefined;
  readonly keepTemp: boolean;
  readonly quick: boolean;
  readonly help: boolean;
  /** Extra `node` options for the two `weft proxy` processes (e.g. `--max-semi-space-size=2`), to try V8 settings. */
  readonly weftNodeOptions: readonly string[];
  /** Re-render the report from a saved raw record (bench/results/NAME-latest.json) instead of measuring. */
  readonly renderFrom: string | undefined;
  /** control: measured changes per kind (policy, endpoint), after the warm-up ones. */
  readonly changes: number;
  /** control: unmeasured changes per kind before the measured ones. */
  readonly warmupChanges: number;
  /** control: processes the simulated proxies are spread over. */
  readonly simProcesses: number;
  /** control: longest wait for one change to reach every affected proxy, in seconds. */
  readonly changeTimeoutSeconds: number;
  /** control: wall-clock budget per change kind, in seconds (rounds stop early when spent). */
  readonly budgetSeconds: number;
  /** control: also run the scenario with proxies scoped by Workload.spec.reachableServices (when the build has it). */
  readonly scoped: boolean;
  /** control: end each line with a control plane restart and every proxy resyncing at once. */
  readonly restart: boolean;
}

export const defaultOptions: BenchOptions = {
  benchmark: 'proxy',
  rounds: 5,
  wrkSeconds: 10,
  fixedSeconds: 10,
  warmupSeconds: 2,
  pauseSeconds: 2,
  rate: 1000,
  connections: 16,
  configs: ['A', 'B', 'W', 'V'],
  outFile: 'BENCHMARKS.md',
  keepTemp: false,
  quick: false,
  help: false,
  // Sidecars run with the launch options every launcher uses; --weft-node-options replaces them.
  weftNodeOptions: sidecarNodeOptions,
  renderFrom: undefined,
  changes: 30,
  warmupChanges: 2,
  simProcesses: 2,
  changeTimeoutSeconds: 60,
  budgetSeconds: 240,
  scoped: true,
  restart: true,
};

/** `--quick`: one short round per configuration, about a minute in all; a smoke test of the harness. */
export const quickOverrides = { rounds: 1, wrkSeconds: 5, fixedSeconds: 5, warmupSeconds: 1, pauseSeconds: 1, changes: 5, budgetSeconds: 60 } as const;

export const usage = `usage: npm run bench -- <proxy|control> [flags]

  proxy     direct vs HAProxy two-hop mTLS vs Weft two-hop mTLS (issue 4); writes BENCHMARKS.md
  control   control-plane scale (issue 3): 1,000 Services, 10,000 endpoints, 1,000 simulated proxies
            over real mTLS streams; apply-to-last-ACK p50/p99, control plane CPU/memory, snapshot sizes

flags (defaults in brackets):
  --rounds N           interleaved rounds A B W, A B W, ... [5]
  --seconds N          sets both --wrk-seconds and --fixed-seconds
  --wrk-seconds N      max-throughput run length (wrk -t2 -c16) [10]
  --fixed-seconds N    measured length of the fixed-rate run [10]
  --warmup N           fixed-rate warm-up, not measured [2]
  --pause N            pause between the wrk and the fixed-rate run [2]
  --rate N             fixed rate in requests/s [1000]
  --connections N      fixed-rate connections [16]
  --only A,B,W,V       run only these configurations (V: Weft without weft-mux between the hops)
  --quick              smoke run: 1 round, wrk 5 s, fixed-rate 1 s + 5 s (about a minute)
  --out FILE           report file [BENCHMARKS.md]; --no-write prints the report only
  --keep-temp          keep the temp dir (configs, PKI, logs) for inspection
  --weft-node-options "OPTS"  node options for the weft proxy processes [the sidecar launch options: ${sidecarNodeOptions.join(" ")}]
control flags:
  --changes N          measured changes per kind (policy, endpoint) [30; --quick: 5]
  --warmup-changes N   unmeasured changes per kind first [2]
  --sim-processes N    processes holding the simulated proxies [2]
  --change-timeout N   longest wait for one change, seconds [60]
  --budget N           wall-clock budget per change kind, seconds [240; --quick: 60]
  --no-scoped          skip the second line with reachableServices scoping
  --no-restart         skip the restart at the end (store and registry kept, every proxy reconnects)
  --quick              (control) 100 Services, 1,000 endpoints, 100 proxies, 5 changes per kind

  --render FILE        no measuring: re-render the report from a saved raw record
                       (each run saves one as bench/results/<benchmark>-latest.json)
`;

const numericFlags = {
  '--rounds': { key: 'rounds', min: 1, max: 50, integer: true },
  '--wrk-seconds': { key: 'wrkSeconds', min: 1, max: 600, integer: true },
  '--fixed-seconds': { key: 'fixedSeconds', min: 1, max: 600, integer: true },
  '--warmup': { key: 'warmupSeconds', min: 0, max: 60, integer: false },
  '--pause': { key: 'pauseSeconds', min: 0, max: 60, integer: false },
  '--rate': { key: 'rate', min: 1, max: 100000, integer: false },
  '--connections': { key: 'connections', min: 1, max: 1024, integer: true },
  '--changes': { key: 'changes', min: 1, max: 500, integer: true },
  '--warmup-changes': { key: 'warmupChanges', min: 0, max: 50, integer: true },
  '--sim-processes': { key: 'simProcesses', min: 1, max: 16, integer: true },
  '--change-timeout': { key: 'changeTimeoutSeconds', min: 1, max: 600, integer: true },
  '--budget': { key: 'budgetSeconds', min: 1, max: 3600, integer: true },
} as const;

type NumericKey = (typeof numericFlags)[keyof typeof numericFlags]['key'];

/**
 * Parses the arguments after `npm run bench --`. `--quick` sets its values first, so explicit flags
 * given with it still win wherever they appear. Returns every problem in one message.
 */
export function parseBenchArgs(argv: readonly string[]): Result<BenchOptions, string> {
  const problems: string[] = [];
  const nums: Partial<Record<NumericKey, number>> = {};
  let benchmark: BenchmarkName | undefined;
  let configs: ProxyConfigId[] | undefined;
  let outFile: string | undefined = defaultOptions.outFile;
  let keepTemp = false;
  let quick = false;
  let help = false;
  let weftNodeOptions: readonly string[] = defaultOptions.weftNodeOptions;
  let renderFrom: string | undefined;
  let scoped = defaultOptions.scoped;
  let restart = defaultOptions.restart;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const takeValue = (): string | undefined => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) {
        problems.push(`${flag} needs a value`);
        return undefined;
      }
      i++;
      return v;
    };
    if (flag === '--help' || flag === '-h') help = true;
    else if (flag === '--quick') quick = true;
    else if (flag === '--keep-temp') keepTemp = true;
    else if (flag === '--no-write') outFile = undefined;
    else if (flag === '--no-scoped') scoped = false;
    else if (flag === '--no-restart') restart = false;
    else if (flag === '--out') outFile = takeValue() ?? outFile;
    else if (flag === '--render') renderFrom = takeValue();
    else if (flag === '--weft-node-options') {
      // Taken verbatim even though it starts with dashes: it is the value of this flag.
      const v = inline ?? argv[++i];
      if (v === undefined || v.trim().length === 0) problems.push('--weft-node-options needs a value');
      else if (!v.trim().split(/\s+/).every((o) => o.startsWith('--'))) problems.push(`--weft-node-options takes node options (--name[=value]), got "${v}"`);
      else weftNodeOptions = v.trim().split(/\s+/);
    }
    else if (flag === '--seconds') {
      const v = takeValue();
      if (v !== undefined) {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 600) problems.push(`--seconds must be an integer in 1..600, got "${v}"`);
        else nums.wrkSeconds = nums.fixedSeconds = n;
      }
    } else if (flag === '--only') {
      const v = takeValue();
      if (v !== undefined) {
        const parts = v.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s.length > 0);
        const bad = parts.filter((p) => p !== 'A' && p !== 'B' && p !== 'W' && p !== 'V');
        if (bad.length > 0 || parts.length === 0) problems.push(`--only takes a list of A, B, W, V; got "${v}"`);
        else configs = (['A', 'B', 'W', 'V'] as const).filter((c) => parts.includes(c));
      }
    } else if (Object.hasOwn(numericFlags, flag)) {
      const spec = numericFlags[flag as keyof typeof numericFlags];
      const v = takeValue();
      if (v !== undefined) {
        const n = Number(v);
        if (!Number.isFinite(n) || n < spec.min || n > spec.max || (spec.integer && !Number.isInteger(n))) {
          problems.push(`${flag} must be ${spec.integer ? 'an integer' : 'a number'} in ${spec.min}..${spec.max}, got "${v}"`);
        } else nums[spec.key] = n;
      }
    } else if (!a.startsWith('-') && benchmark === undefined) {
      if (a === 'proxy' || a === 'control') benchmark = a;
      else problems.push(`unknown benchmark "${a}" (known: proxy, control)`);
    } else problems.push(`unknown argument "${a}"`);
  }
  if (benchmark === undefined && !help) problems.push('name a benchmark: proxy or control');
  if (problems.length > 0) return err(problems.join('; '));
  const base = quick ? { ...defaultOptions, ...quickOverrides } : defaultOptions;
  return ok({
    ...base,
    ...nums,
    benchmark: benchmark ?? 'proxy',
    configs: configs ?? base.configs,
    outFile,
    keepTemp,
    quick,
    help,
    weftNodeOptions,
    renderFrom,
    scoped,
    restart,
  });
}
