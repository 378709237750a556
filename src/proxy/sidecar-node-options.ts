/**
 * The `node` options every launcher of a sidecar passes (`node <options> bin/weft.js proxy ...`):
 * the universal-mode runtime, the Kubernetes injector and the benchmark all read this one list.
 * V8 reads them only at start-up: they cannot be set from inside the running process.
 *
 * `--max-semi-space-size=1` caps V8's young generation at 1 MB per semi-space. A proxy's per-request
 * garbage dies young, so a scavenge costs about the same however full the space is (~0.4 ms here),
 * and the young generation is the part of the heap that is always resident: 2 MB here against 32 by
 * default. At 1,000 req/s that is ~7.5 scavenges a second of 0.33–0.38 ms (2 MB: ~3.7 of ~0.5 ms),
 * under 0.3 % of a core. (Measured: 2 MB per semi-space took the peak RSS from 75 to 63 MB; 1 MB
 * another ~3 MB, with CPU and p99 differences within the noise of paired probes.)
 *
 * `--single-threaded-gc`: a sidecar's heap is small (~10 MB) and a scavenge of it takes ~0.6 ms on
 * one thread; done in parallel, the main thread waits for helper threads that share the cores with
 * the application, and on this 2-vCPU box the longest scavenge pause at 1,000 req/s was 3.4–9.4 ms
 * against 1.5–3.1 ms single-threaded (two paired runs, PerformanceObserver 'gc'), with hop CPU no
 * higher (0.146–0.150 vs 0.152–0.165 vCPU). Pauses sit in the latency tail, so this is for p99.
 *
 * `--expose-gc` gives the heap governor (src/proxy/memory/heap-governor.ts) its full collection: it
 * keeps the old generation near its live size instead of V8's live + 8 MB. No other code runs in a
 * sidecar, so the global `gc` is no hazard.
 *
 * `--compact-on-every-full-gc`: without it a full collection frees objects but keeps the partly used
 * pages they sat on, and the old generation stayed 2.5–4 MB above its used size after the governor's
 * collections; compacting leaves it within ~0.3 MB of it (peak RSS at 1,000 req/s ~3 MB lower, in
 * paired probes). A compacting collection of a sidecar's heap takes ~20–25 ms instead of ~13. At
 * 1,000 req/s, once the heap has settled, there was none in 18 s; under saturating load the governor
 * runs one about every 2–2.5 s (its spacing rules), ~1 % of a core.
 *
 * `--v8-pool-size=1`: one V8 worker thread instead of four. A sidecar compiles little once warm, and
 * each thread kept its own malloc arena (~1.5 MB less peak RSS in paired probes).
 */
export const sidecarNodeOptions: readonly string[] = Object.freeze([
  '--max-semi-space-size=1',
  '--single-threaded-gc',
  '--v8-pool-size=1',
  '--expose-gc',
  '--compact-on-every-full-gc',
]);
