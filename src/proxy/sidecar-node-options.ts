/**
 * The `node` options every launcher of a sidecar passes (`node <options> bin/weft.js proxy ...`):
 * the universal-mode runtime, the Kubernetes injector and the benchmark all read this one list.
 * V8 reads them only at start-up: they cannot be set from inside the running process.
 *
 * `--max-semi-space-size=2` caps V8's young generation at 2 MB per semi-space. A proxy's per-request
 * garbage dies young, so scavenges stay cheap, and at 1,000 req/s the sidecar's peak RSS was ~11 MB
 * lower (75 → 63 MB) at the same CPU per request.
 *
 * `--single-threaded-gc`: a sidecar's heap is small (~10 MB) and a scavenge of it takes ~0.6 ms on
 * one thread; done in parallel, the main thread waits for helper threads that share the cores with
 * the application, and on this 2-vCPU box the longest scavenge pause at 1,000 req/s was 3.4–9.4 ms
 * against 1.5–3.1 ms single-threaded (two paired runs, PerformanceObserver 'gc'), with hop CPU no
 * higher (0.146–0.150 vs 0.152–0.165 vCPU). Pauses sit in the latency tail, so this is for p99.
 */
export const sidecarNodeOptions: readonly string[] = Object.freeze(['--max-semi-space-size=2', '--single-threaded-gc']);
