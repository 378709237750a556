// Fixed-rate HTTP/1.1 load generator (a TypeScript port of benchmarking.md's fixedrate.js, fortio-like).
// C keep-alive connections, each paced at R/C requests/s from a random start offset (de-synchronised),
// one request in flight per connection; a late response makes the next request go out as soon as the
// connection is free. Latency = send -> last byte of the response. It also records the
// coordinated-omission-corrected latency, measured from the scheduled send time.
// Usage: node dist/bench/fixed-rate-main.js URL [rate=1000] [conns=16] [seconds=10] [warmupSeconds=2]
// Prints `{"event":"measuring"}` when the measured window opens, then one JSON result line.
// Loopback only: refuses any host outside 127.0.0.0/8, ::1 and localhost.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { connectionPeriodMs, isLoopbackHost, scheduledAt, summarizeFixedRate } from './fixed-rate-summary.js';

const [urlArg, rateArg = '1000', connsArg = '16', secsArg = '10', warmArg = '2'] = process.argv.slice(2);
if (urlArg === undefined) {
  console.error('usage: fixed-rate-main URL [rate] [conns] [seconds] [warmupSeconds]');
  process.exit(2);
}
const url = new URL(urlArg);
if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) {
  console.error(`fixed-rate: refusing ${urlArg}: loopback http:// targets only`);
  process.exit(2);
}
const rate = Number(rateArg);
const conns = Number(connsArg);
const secs = Number(secsArg);
const warm = Number(warmArg);
if (![rate, conns, secs, warm].every((n) => Number.isFinite(n) && n >= 0) || rate <= 0 || conns < 1 || secs <= 0) {
  console.error('fixed-rate: rate, conns and seconds must be positive numbers');
  process.exit(2);
}

const period = connectionPeriodMs(rate, conns);
const lat: number[] = [];
const latCo: number[] = [];
let errors = 0;
let non2xx = 0;
const t0 = performance.now();
const measureFrom = t0 + warm * 1000;
const endAt = measureFrom + secs * 1000;
const host = url.hostname.replace(/^\[|\]$/g, '');
const port = Number(url.port || 80);
const path = url.pathname + url.search;

function worker(): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, noDelay: true });
  const offset = Math.random() * period;
  let k = 0;
  const next = (): void => {
    const sched = t0 + scheduledAt(offset, period, k);
    k++;
    if (sched >= endAt) {
      agent.destroy();
      finish();
      return;
    }
    const wait = sched - performance.now();
    if (wait > 0) setTimeout(fire, wait, sched);
    else fire(sched);
  };
  const fire = (sched: number): void => {
    const start = process.hrtime.bigint();
    const startMs = performance.now();
    const req = request({ host, port, path, method: 'GET', agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) non2xx++;
        if (startMs >= measureFrom) {
          lat.push(ms);
          latCo.push(ms + Math.max(0, startMs - sched));
        }
        next();
      });
    });
    req.on('error', () => {
      errors++;
      next();
    });
    req.end();
  };
  next();
}

let finished = 0;
function finish(): void {
  if (++finished < conns) return;
  const result = summarizeFixedRate({ targetRps: rate, connections: conns, seconds: secs, errors, non2xx }, lat, latCo);
  process.stdout.write(`${JSON.stringify({ event: 'result', ...result })}\n`);
}

setTimeout(() => process.stdout.write('{"event":"measuring"}\n'), Math.max(0, measureFrom - performance.now()));
for (let i = 0; i < conns; i++) worker();
setTimeout(() => {
  console.error('fixed-rate: hard timeout');
  process.exit(3);
}, (warm + secs + 20) * 1000).unref();
