/** The proxy's metrics: pre-bound series and Prometheus text rendering. */
export {
  createProxyMetrics,
  metricNames,
  tlsFailureReasons,
  type AuthzResultLabel,
  type EdgeLabels,
  type EdgeMetrics,
  type MetricsDirection,
  type MetricsProtocol,
  type ProxyMetrics,
  type ProxyMetricsOptions,
  type RequestSeries,
  type TlsFailureReason,
} from './proxy-metrics.js';
export { bucketIndex, latencyBucketsSeconds } from './histogram-buckets.js';
export { inboundEdgeLabels, outboundEdgeLabels } from './edge-labels.js';
export { escapeLabelValue } from './prometheus-text.js';
