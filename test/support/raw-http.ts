/**
 * Small raw-socket HTTP helpers for proxy tests: send exact bytes, read until a condition holds.
 */
import { connect, type Socket } from 'node:net';
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';

/** A raw client connection that accumulates everything it receives. */
export class RawClient {
  readonly socket: Socket;
  received = Buffer.alloc(0);
  closed = false;
  private waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      this.received = Buffer.concat([this.received, c]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  text(): string {
    return this.received.toString('latin1');
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until `cond()` is true (checked on every event), failing after `timeoutMs`. */
  async until(cond: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
    if (cond()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got: ${JSON.stringify(this.text().slice(0, 500))}`)), timeoutMs);
      const check = (): void => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  /** Count of complete-looking responses (status lines) received so far. */
  statusLines(): string[] {
    return this.text().match(/HTTP\/1\.[01] \d{3}[^\r]*/g) ?? [];
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export interface SimpleResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request with node:http (the client side of the tests, not the proxy). */
export async function httpRequest(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: Agent | false },
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: { host: 'server.b', ...opts.headers }, agent: opts.agent ?? false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
