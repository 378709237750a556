import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { FRAME_HEADER_BYTES, INITIAL_WINDOW, MAX_DATA_PAYLOAD, T_DATA, writeFrameHeader } from './mux-frame.js';
import { MAX_HELD_BYTES, MuxSession, type MuxSessionOptions } from './mux-session.js';
import { isRefusedStream, type MuxStream } from './mux-stream.js';

/** Resolves when `cond` holds, polling on a short interval, failing after a bounded time. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !cond(); waited += 5) {
    if (waited >= 5_000) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Served {
  readonly sessions: MuxSession[];
  readonly sockets: Socket[];
  readonly errors: string[];
}

/** A real TCP listener whose connections are server mux sessions. */
async function listen(options: Omit<MuxSessionOptions, 'role'>): Promise<{ server: Server; port: number; served: Served }> {
  const served: Served = { sessions: [], sockets: [], errors: [] };
  const server = createServer((s) => {
    s.on('error', () => {});
    served.sockets.push(s);
    const m = new MuxSession(s, {
      ...options,
      role: 'server',
      onProtocolError: (reason) => {
        served.errors.push(reason);
        options.onProtocolError?.(reason);
      },
    });
    served.sessions.push(m);
    s.on('data', (c: Buffer) => m.received(c));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, served };
}

/** A client session on a socket that reads into one shared buffer (`onread`), as the pool's do. */
async function dial(port: number, options: Omit<MuxSessionOptions, 'role'> = {}): Promise<MuxSession> {
  const holder: { session?: MuxSession } = {};
  const socket = connect({
    port,
    host: '127.0.0.1',
    onread: {
      buffer: Buffer.alloc(16 * 1024),
      callback: (n: number, buf: Uint8Array) => {
        holder.session?.received(Buffer.from(buf.buffer, buf.byteOffset, n));
        return true;
      },
    },
  });
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
  const session = new MuxSession(socket, { ...options, role: 'client' });
  holder.session = session;
  return session;
}

/** Everything a stream delivers until it closes. */
function collect(s: MuxStream): Promise<{ bytes: Buffer; ended: boolean; error: Error | undefined }> {
  const parts: Buffer[] = [];
  let ended = false;
  let error: Error | undefined;
  s.on('data', (c: Buffer) => parts.push(Buffer.from(c)));
  s.on('end', () => (ended = true));
  s.on('error', (e: Error) => (error = e));
  return new Promise((r) => s.on('close', () => r({ bytes: Buffer.concat(parts), ended, error })));
}

const echo = (s: MuxStream): void => {
  s.on('data', (c: Buffer) => s.write(c));
  s.on('error', () => {});
};

describe('weft-mux sessions over a real socket', () => {
  let echoServer: { server: Server; port: number; served: Served };
  before(async () => {
    echoServer = await listen({ onStream: echo });
  });
  after(async () => {
    for (const s of echoServer.served.sockets) s.destroy();
    await new Promise((r) => echoServer.server.close(r));
  });

  it('carries many streams at once, coalescing one turn of frames into one write', async () => {
    const client = await dial(echoServer.port);
    const streams = Array.from({ length: 50 }, () => client.openStream()!);
    const results = streams.map(collect);
    streams.forEach((s, i) => {
      assert.equal(s.write(Buffer.from(`hello ${i}`)), true);
      s.end();
    });
    assert.equal(client.writes, 0, 'nothing is written before the turn ends');
    await turn();
    assert.equal(client.writes, 1, '50 DATA and 50 FIN frames leave in one write');
    assert.equal(client.frames, 100);
    const done = await Promise.all(results);
    done.forEach((d, i) => {
      assert.equal(d.bytes.toString(), `hello ${i}`);
      assert.equal(d.ended, true);
      assert.equal(d.error, undefined);
    });
    assert.equal(client.streamCount, 0);
    // A client keeps no connection without streams.
    await until(() => client.closed, 'the client closes its idle connection');
  });

  it('a stream that writes after a later-opened one still reaches the server (ids go out in order)', async () => {
    const client = await dial(echoServer.port);
    const first = client.openStream()!;
    const second = client.openStream()!;
    const gotFirst = collect(first);
    const gotSecond = collect(second);
    second.write(Buffer.from('second'));
    second.end();
    await gotSecond;
    first.write(Buffer.from('first'));
    first.end();
    assert.equal((await gotFirst).bytes.toString(), 'first');
    assert.ok(first.id > second.id, 'the stream that wrote later took the higher id');
  });

  it('a paused receiver gets no bytes; the sender stops at the window and resumes on credit', async () => {
    let serverStream: MuxStream | undefined;
    const paused = await listen({
      onStream: (s) => {
        serverStream = s;
        s.pause();
      },
    });
    const client = await dial(paused.port);
    const s = client.openStream()!;
    const payload = randomBytes(2 * 1024 * 1024);
    let drains = 0;
    s.on('drain', () => drains++);
    let offset = 0;
    let blocked = false;
    while (offset < payload.length && !blocked) {
      blocked = !s.write(payload.subarray(offset, offset + 100_000));
      offset += 100_000;
    }
    assert.equal(blocked, true, 'the sender is told to wait once the window is used');
    await until(() => serverStream !== undefined, 'stream opened');
    const got = collect(serverStream!);
    let delivered = 0;
    serverStream!.on('data', (c: Buffer) => (delivered += c.length));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(delivered, 0, 'nothing is delivered while paused');
    serverStream!.resume();
    // Write the rest as 'drain' allows.
    await new Promise<void>((resolve) => {
      const more = (): void => {
        while (offset < payload.length) {
          const ok = s.write(payload.subarray(offset, offset + 100_000));
          offset += 100_000;
          if (!ok) return;
        }
        s.end();
        resolve();
      };
      s.on('drain', more);
      more();
    });
    await until(() => delivered === payload.length, 'every byte delivered');
    serverStream!.end();
    const d = await got;
    assert.equal(createHash('sha256').update(d.bytes).digest('hex'), createHash('sha256').update(payload).digest('hex'));
    assert.ok(drains >= 1);
    for (const x of paused.served.sockets) x.destroy();
    await new Promise((r) => paused.server.close(r));
  });

  it('stops reading the connection while paused streams hold more than MAX_HELD_BYTES', async () => {
    let holding = true;
    let delivered = 0;
    const opened: MuxStream[] = [];
    const still = await listen({
      onStream: (st) => {
        st.on('data', (c: Buffer) => (delivered += c.length));
        if (holding) st.pause();
        opened.push(st);
      },
    });
    const client = await dial(still.port);
    const n = Math.ceil((2 * MAX_HELD_BYTES) / INITIAL_WINDOW);
    const streams = Array.from({ length: n }, () => client.openStream()!);
    for (const st of streams) st.write(Buffer.alloc(INITIAL_WINDOW, 1));
    await until(() => still.served.sessions.length === 1 && still.served.sessions[0]!.heldForPausedStreams > MAX_HELD_BYTES, 'the server holds past the limit');
    await new Promise((r) => setTimeout(r, 100));
    const server = still.served.sessions[0]!;
    const held = server.heldForPausedStreams;
    assert.ok(held < MAX_HELD_BYTES + 4 * MAX_DATA_PAYLOAD, `reading stopped near the limit (held ${held})`);
    assert.ok(opened.length < n, 'the streams behind the limit are not read yet');
    assert.equal(delivered, 0);
    holding = false;
    for (const st of opened) st.resume();
    await until(() => delivered === n * INITIAL_WINDOW, 'every byte delivered once the streams resumed');
    assert.equal(opened.length, n);
    assert.equal(server.heldForPausedStreams, 0);
    for (const x of still.served.sockets) x.destroy();
    await new Promise((r) => still.server.close(r));
  });

  it('a reset stream fails on the other side, and only that stream', async () => {
    const before = echoServer.served.sessions.length;
    const client = await dial(echoServer.port);
    const a = client.openStream()!;
    const b = client.openStream()!;
    const gotB = collect(b);
    a.write(Buffer.from('a'));
    b.write(Buffer.from('b1'));
    await until(() => echoServer.served.sessions.length > before && echoServer.served.sessions[before]!.streamCount === 2, 'both streams open');
    const server = echoServer.served.sessions[before]!;
    a.destroy();
    await until(() => server.streamCount === 1, 'the server forgets the reset stream');
    b.write(Buffer.from('b2'));
    b.end();
    const d = await gotB;
    assert.equal(d.bytes.toString(), 'b1b2');
    assert.equal(d.error, undefined);
  });

  it('half-close: the peer ends its side in turn, and both streams close', async () => {
    let serverSide: Promise<{ bytes: Buffer; ended: boolean; error: Error | undefined }> | undefined;
    const quiet = await listen({
      onStream: (s) => {
        serverSide = collect(s);
      },
    });
    const client = await dial(quiet.port);
    const s = client.openStream()!;
    const mine = collect(s);
    s.write(Buffer.from('only this'));
    s.end();
    const d = await mine;
    assert.equal(d.ended, true);
    assert.equal(d.error, undefined);
    const theirs = await serverSide!;
    assert.equal(theirs.bytes.toString(), 'only this');
    assert.equal(theirs.ended, true);
    for (const x of quiet.served.sockets) x.destroy();
    await new Promise((r) => quiet.server.close(r));
  });

  it('GOAWAY: no new streams, the open ones finish, then the connection closes', async () => {
    let unusable = 0;
    const before = echoServer.served.sessions.length;
    const client = await dial(echoServer.port, { onUnusable: () => unusable++ });
    const s = client.openStream()!;
    const got = collect(s);
    const silent = client.openStream()!;
    const gotSilent = collect(silent);
    s.write(Buffer.from('before'));
    await until(() => echoServer.served.sessions.length > before && echoServer.served.sessions[before]!.streamCount === 1, 'stream open');
    echoServer.served.sessions[before]!.retire();
    await until(() => unusable === 1, 'the client hears GOAWAY');
    // A stream that never wrote was never seen by the server: it fails as refused (safe to retry).
    assert.equal(isRefusedStream((await gotSilent).error), true);
    assert.equal(client.usable, false);
    assert.equal(client.openStream(), undefined);
    s.write(Buffer.from(' after'));
    s.end();
    const d = await got;
    assert.equal(d.bytes.toString(), 'before after');
    await until(() => client.closed, 'the connection closes after its last stream');
  });

  it('idle timeout, client: an empty connection stays for new streams, and closes once idle that long', async () => {
    const before = echoServer.served.sessions.length;
    const client = await dial(echoServer.port, { idleTimeoutMs: 150 });
    const round = async (text: string): Promise<void> => {
      const s = client.openStream()!;
      const got = collect(s);
      s.write(Buffer.from(text));
      s.end();
      assert.equal((await got).bytes.toString(), text);
    };
    await round('one');
    assert.equal(client.streamCount, 0);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(client.closed, false, 'kept without streams, within the idle timeout');
    assert.equal(client.usable, true);
    await round('two');
    assert.equal(echoServer.served.sessions.length, before + 1, 'the second stream reused the connection');
    const t0 = Date.now();
    await until(() => client.closed, 'the client closes its connection after the idle timeout');
    assert.ok(Date.now() - t0 >= 100, 'not before the timeout');
  });

  it('idle timeout, server: GOAWAY after no stream for that long; a stream opened meanwhile is refused, not lost', async () => {
    const opened: MuxStream[] = [];
    const idle = await listen({ idleTimeoutMs: 100, onStream: (s) => (opened.push(s), echo(s)) });
    try {
      let unusable = 0;
      const client = await dial(idle.port, { onUnusable: () => unusable++ });
      const first = client.openStream()!;
      // Opened on the client, not yet sent: the server does not know it (as a request that is
      // about to leave when the server's GOAWAY is on its way).
      const held = client.openStream()!;
      const gotHeld = collect(held);
      const gotFirst = collect(first);
      first.write(Buffer.from('first'));
      first.end();
      assert.equal((await gotFirst).bytes.toString(), 'first');
      await until(() => unusable === 1, 'GOAWAY from the server, idle since its last stream');
      assert.equal(isRefusedStream((await gotHeld).error), true, 'the stream the server never saw fails as refused');
      assert.equal(opened.length, 1);
      await until(() => client.closed && idle.served.sessions[0]!.closed, 'both ends close');
    } finally {
      for (const x of idle.served.sockets) x.destroy();
      await new Promise((r) => idle.server.close(r));
    }
  });

  it('refuses streams above maxStreams, and keeps serving the others', async () => {
    const capped = await listen({ onStream: echo, maxStreams: 1 });
    const client = await dial(capped.port);
    const a = client.openStream()!;
    const b = client.openStream()!;
    const gotA = collect(a);
    const gotB = collect(b);
    a.write(Buffer.from('first'));
    b.write(Buffer.from('second'));
    const db = await gotB;
    assert.match(String(db.error?.message), /refused the stream/);
    assert.equal(isRefusedStream(db.error), true, 'a refused stream is safe to send again');
    a.end();
    assert.equal((await gotA).bytes.toString(), 'first');
    for (const x of capped.served.sockets) x.destroy();
    await new Promise((r) => capped.server.close(r));
  });

  // A receiver that never consumes (paused), so it never grants credit back.
  for (const [name, bytes, reason] of [
    ['sending past the window', pastWindow(), /past its flow-control window/],
    ['opening an even stream', dataFrame(2, Buffer.from('x')), /even id/],
    ['an unknown frame type', Buffer.alloc(FRAME_HEADER_BYTES, 9), /unknown frame type 9|non-zero flags/],
  ] as const) {
    it(`closes a connection ${name}`, async () => {
      const still = await listen({ onStream: (st) => st.pause() });
      const raw = connect(still.port, '127.0.0.1');
      raw.on('error', () => {});
      const closed = new Promise((r) => raw.on('close', r));
      raw.write(bytes);
      await closed;
      assert.equal(still.served.errors.length, 1);
      assert.match(still.served.errors[0]!, reason);
      await new Promise((r) => still.server.close(r));
    });
  }
});

function dataFrame(stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(FRAME_HEADER_BYTES);
  writeFrameHeader(h, 0, T_DATA, stream, payload.length);
  return Buffer.concat([h, payload]);
}

/** DATA on stream 1 one byte beyond the initial window, to a receiver that never grants credit (it is not consumed yet). */
function pastWindow(): Buffer {
  const frames: Buffer[] = [];
  let left = INITIAL_WINDOW + 1;
  while (left > 0) {
    const n = Math.min(left, MAX_DATA_PAYLOAD);
    frames.push(dataFrame(1, Buffer.alloc(n, 1)));
    left -= n;
  }
  return Buffer.concat(frames);
}
