/**
 * The admin server (port 15000): `/metrics` (Prometheus text), `/ready` (200 once a snapshot and a
 * certificate are loaded and the proxy is not draining), `/config` (the snapshot in force, with its
 * version) and `/stats` (JSON counters). node:http is fine here: it is off the data path.
 */
import { createServer, type Server } from 'node:http';

export interface AdminSources {
  readonly ready: () => boolean;
  readonly metrics: () => string;
  readonly config: () => unknown;
  readonly stats: () => unknown;
}

export function createAdminServer(src: AdminSources): Server {
  return createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    try {
      switch (path) {
        case '/metrics':
          send(200, 'text/plain; version=0.0.4; charset=utf-8', src.metrics());
          return;
        case '/ready': {
          const ok = src.ready();
          send(ok ? 200 : 503, 'text/plain; charset=utf-8', ok ? 'ready\n' : 'not ready\n');
          return;
        }
        case '/config':
          send(200, 'application/json', `${JSON.stringify(src.config(), null, 2)}\n`);
          return;
        case '/stats':
          send(200, 'application/json', `${JSON.stringify(src.stats(), null, 2)}\n`);
          return;
        default:
          send(404, 'text/plain; charset=utf-8', 'not found: try /metrics, /ready, /config, /stats\n');
      }
    } catch (e) {
      send(500, 'text/plain; charset=utf-8', `admin error: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  });
}
