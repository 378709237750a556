/** Pooled keep-alive upstream connections (mTLS to peer proxies, plaintext to the local app). */
export {
  createConnectionPool,
  defaultAppPoolIdleTimeoutMs,
  defaultPeerPoolIdleTimeoutMs,
  type ConnectionPool,
  type ConnectionPoolOptions,
  type ConnectionPoolStats,
  type PoolWaiter,
} from './connection-pool.js';
export { UpstreamConnection, type UpstreamUser } from './upstream-connection.js';
export { createPlainTarget, createTlsTarget, type UpstreamTarget } from './upstream-target.js';
