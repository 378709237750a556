/** Local applications behind the proxies in integration tests: an h2c echo server and a gRPC echo server. */
import { createHash } from 'node:crypto';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * h2c app: `/slow` answers after 400 ms; `/big?n=BYTES` sends n bytes; anything else answers JSON with the
 * request's path, the headers it saw, and the length and SHA-256 of the body; trailers `x-done: yes`.
 */
export async function startH2App(port: number): Promise<{ server: Http2Server; seen: { slow: number } }> {
  const server = createH2Server();
  const seen = { slow: 0 };
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const path = headers[':path'] ?? '/';
    if (path.startsWith('/big')) {
      const n = Number(new URL(path, 'http://x').searchParams.get('n') ?? '0');
      stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let left = n;
      const pump = (): void => {
        while (left > 0) {
          const c = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= c.length;
          if (!stream.write(c)) {
            stream.once('drain', pump);
            return;
          }
        }
        stream.end();
      };
      pump();
      return;
    }
    if (path.startsWith('/slow')) seen.slow++;
    const hash = createHash('sha256');
    let length = 0;
    stream.on('data', (c: Buffer) => {
      length += c.length;
      hash.update(c);
    });
    stream.on('end', () => {
      const reply = (): void => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 200, 'content-type': 'application/json' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-done': 'yes' }));
        stream.end(JSON.stringify({ path, headers, length, sha256: hash.digest('hex') }));
      };
      if (path.startsWith('/slow')) setTimeout(reply, 400);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, seen };
}

export const echoProtoPath = join(process.cwd(), 'test', 'fixtures', 'echo.proto');

export interface EchoMsg {
  text: string;
  payload: Buffer;
}

export function loadEcho(): grpc.GrpcObject {
  const def = protoLoader.loadSync(echoProtoPath, { keepCase: true, longs: String, defaults: true });
  return grpc.loadPackageDefinition(def);
}

type ServiceCtor = grpc.ServiceClientConstructor;

export function echoService(): ServiceCtor {
  const pkg = loadEcho()['echo'] as grpc.GrpcObject;
  return pkg['Echo'] as ServiceCtor;
}

/** gRPC app: Unary and Secret echo (Secret says "secret"); Chat echoes each message with "echo:" prepended. */
export async function startGrpcApp(port: number): Promise<grpc.Server> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 << 20, 'grpc.max_send_message_length': 16 << 20 });
  const svc = echoService();
  server.addService(svc.service, {
    Unary: (call: grpc.ServerUnaryCall<EchoMsg, EchoMsg>, cb: grpc.sendUnaryData<EchoMsg>) => {
      cb(null, { text: `echo:${call.request.text}:${String(call.metadata.get('x-forwarded-client-cert')[0] ?? '')}`, payload: call.request.payload });
    },
    Secret: (_call: grpc.ServerUnaryCall<EchoMsg, EchoMsg>, cb: grpc.sendUnaryData<EchoMsg>) => cb(null, { text: 'secret', payload: Buffer.alloc(0) }),
    Chat: (call: grpc.ServerDuplexStream<EchoMsg, EchoMsg>) => {
      call.on('data', (m: EchoMsg) => call.write({ text: `echo:${m.text}`, payload: m.payload }));
      call.on('end', () => call.end());
    },
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  return server;
}
