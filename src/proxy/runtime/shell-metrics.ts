/**
 * Counters of the proxy shell itself (plaintext refusals, upstream failures, reloads, unexpected errors), pre-bound
 * per label set and rendered to the Prometheus text format at scrape time. Label values come from closed
 * sets or from configuration (service names), never from request data. Request, TCP, TLS and authorization
 * metrics with the edge labels live in `src/proxy/metrics/` (the registry); these names do not overlap.
 */
export interface CounterSeries {
  value: number;
}

export interface CounterFamily {
  /** The series for these label values (created once, then reused: bind at connection or config time). */
  bind(values: readonly string[]): CounterSeries;
  inc(values: readonly string[], n?: number): void;
}

interface FamilyDef {
  readonly name: string;
  readonly help: string;
  readonly labels: readonly string[];
  readonly series: Map<string, { readonly values: readonly string[]; readonly s: CounterSeries }>;
}

export interface ShellMetrics {
  readonly plaintextRefused: CounterFamily;
  readonly h2Requests: CounterFamily;
  readonly tcpClosedByPolicy: CounterFamily;
  readonly upstreamFailures: CounterFamily;
  readonly snapshotLoads: CounterFamily;
  readonly unexpectedErrors: CounterFamily;
  readonly connections: CounterFamily;
  readonly meshDials: CounterFamily;
  /** Prometheus text format of every family. */
  render(): string;
  /** Plain JSON-able counters for /stats. */
  toJson(): Record<string, Record<string, number>>;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Creates the shell's counters; one instance per proxy process. */
export function createShellMetrics(): ShellMetrics {
  const defs: FamilyDef[] = [];
  const family = (name: string, help: string, labels: readonly string[]): CounterFamily => {
    const def: FamilyDef = { name, help, labels, series: new Map() };
    defs.push(def);
    const bind = (values: readonly string[]): CounterSeries => {
      const key = values.join('\u0000');
      let e = def.series.get(key);
      if (e === undefined) {
        e = { values: [...values], s: { value: 0 } };
        def.series.set(key, e);
      }
      return e.s;
    };
    return { bind, inc: (values, n = 1) => void (bind(values).value += n) };
  };
  const m = {
    plaintextRefused: family('weft_proxy_plaintext_refused_total', 'Plaintext connections refused on STRICT mutual-TLS ports.', ['port']),
    h2Requests: family('weft_proxy_http2_streams_total', 'HTTP/2 and gRPC streams handled by the shell, by direction and status class.', ['direction', 'grpc', 'code_class']),
    tcpClosedByPolicy: family('weft_proxy_tcp_closed_by_policy_total', 'Open TCP connections closed because a new policy denies them.', []),
    upstreamFailures: family('weft_proxy_upstream_failures_total', 'Failures to reach or keep an upstream, by reason.', ['direction', 'reason']),
    snapshotLoads: family('weft_proxy_snapshot_loads_total', 'Snapshot loads, by result (applied, rejected, unchanged).', ['result']),
    unexpectedErrors: family('weft_proxy_unexpected_errors_total', 'Errors nothing expected; logged and counted, never fatal.', ['where']),
    connections: family('weft_proxy_connections_total', 'Accepted connections, by listener kind and protocol.', ['listener', 'protocol']),
    meshDials: family('weft_proxy_mesh_dials_total', 'mTLS connections opened to peer proxies for TCP tunnels and HTTP/2 sessions, by protocol and whether the TLS session was resumed.', ['protocol', 'resumed']),
  };
  return {
    ...m,
    render(): string {
      let out = '';
      for (const d of defs) {
        out += `# HELP ${d.name} ${d.help}\n# TYPE ${d.name} counter\n`;
        for (const { values, s } of d.series.values()) {
          const labels = d.labels.map((l, i) => `${l}="${escapeLabel(values[i] ?? '')}"`).join(',');
          out += `${d.name}${labels === '' ? '' : `{${labels}}`} ${s.value}\n`;
        }
      }
      return out;
    },
    toJson(): Record<string, Record<string, number>> {
      const out: Record<string, Record<string, number>> = {};
      for (const d of defs) {
        const fam: Record<string, number> = {};
        for (const { values, s } of d.series.values()) fam[values.join(',') || 'total'] = s.value;
        out[d.name] = fam;
      }
      return out;
    },
  };
}
