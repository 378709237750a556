import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FRAME_HEADER_BYTES,
  FrameReader,
  MAX_DATA_PAYLOAD,
  T_DATA,
  T_FIN,
  T_GOAWAY,
  T_RESET,
  T_WINDOW,
  writeFrameHeader,
  type FrameSink,
} from './mux-frame.js';

/** Records what a reader reports, DATA pieces joined per frame run. */
class Recorder implements FrameSink {
  readonly events: string[] = [];
  readonly data = new Map<number, Buffer[]>();
  errors: string[] = [];
  onData(stream: number, chunk: Buffer): void {
    const list = this.data.get(stream) ?? [];
    list.push(Buffer.from(chunk));
    this.data.set(stream, list);
    const last = this.events[this.events.length - 1];
    if (last !== `data ${stream}`) this.events.push(`data ${stream}`);
  }
  onFin(stream: number): void {
    this.events.push(`fin ${stream}`);
  }
  onReset(stream: number, code: number): void {
    this.events.push(`reset ${stream} ${code}`);
  }
  onWindow(stream: number, credit: number): void {
    this.events.push(`window ${stream} ${credit}`);
  }
  onGoAway(lastStream: number): void {
    this.events.push(`goaway ${lastStream}`);
  }
  onProtocolError(reason: string): void {
    this.errors.push(reason);
  }
  bytes(stream: number): Buffer {
    return Buffer.concat(this.data.get(stream) ?? []);
  }
}

function frame(type: number, stream: number, value: number, payload?: Buffer): Buffer {
  const h = Buffer.alloc(FRAME_HEADER_BYTES);
  writeFrameHeader(h, 0, type, stream, value);
  return payload === undefined ? h : Buffer.concat([h, payload]);
}

const data = (stream: number, payload: Buffer): Buffer => frame(T_DATA, stream, payload.length, payload);

/** A deterministic generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('weft-mux frames', () => {
  const a = Buffer.from('GET / HTTP/1.1\r\nhost: b\r\n\r\n');
  const big = Buffer.alloc(MAX_DATA_PAYLOAD, 7);
  const wire = Buffer.concat([data(1, a), frame(T_WINDOW, 3, 65536), data(3, big), frame(T_FIN, 1, 0), frame(T_RESET, 3, 2), frame(T_GOAWAY, 5, 0)]);
  const expected = ['data 1', 'window 3 65536', 'data 3', 'fin 1', 'reset 3 2', 'goaway 5'];

  it('reads the same frames whatever the split of the bytes', () => {
    const whole = new Recorder();
    new FrameReader(whole).feed(wire);
    assert.deepEqual(whole.events, expected);
    assert.deepEqual(whole.errors, []);
    assert.ok(whole.bytes(1).equals(a));
    assert.ok(whole.bytes(3).equals(big));

    const bytewise = new Recorder();
    const r = new FrameReader(bytewise);
    for (let i = 0; i < wire.length; i += 1) r.feed(wire.subarray(i, i + 1));
    assert.deepEqual(bytewise.events, expected);
    assert.ok(bytewise.bytes(3).equals(big));

    const rnd = lcg(42);
    for (let round = 0; round < 200; round++) {
      const rec = new Recorder();
      const reader = new FrameReader(rec);
      let p = 0;
      while (p < wire.length) {
        const n = 1 + Math.floor(rnd() * 40_000);
        reader.feed(wire.subarray(p, p + n));
        p += n;
      }
      assert.deepEqual(rec.events, expected, `round ${round}`);
      assert.ok(rec.bytes(1).equals(a) && rec.bytes(3).equals(big), `round ${round}`);
    }
  });

  it('hands payload views out as they arrive, without waiting for the whole frame', () => {
    const rec = new Recorder();
    const r = new FrameReader(rec);
    const f = data(1, Buffer.from('abcdef'));
    r.feed(f.subarray(0, FRAME_HEADER_BYTES + 2));
    assert.equal(rec.bytes(1).toString(), 'ab');
    r.feed(f.subarray(FRAME_HEADER_BYTES + 2));
    assert.equal(rec.bytes(1).toString(), 'abcdef');
  });

  const bad: [string, Buffer, RegExp][] = [
    ['non-zero flags', Buffer.from([T_FIN, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]), /non-zero flags/],
    ['reserved bits', Buffer.from([T_FIN, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]), /reserved/],
    ['DATA on stream 0', data(0, Buffer.from('x')), /DATA on stream 0/],
    ['empty DATA', frame(T_DATA, 1, 0), /DATA frame of 0 bytes/],
    ['oversized DATA', frame(T_DATA, 1, MAX_DATA_PAYLOAD + 1), /DATA frame of 65537 bytes/],
    ['FIN with a value', frame(T_FIN, 1, 3), /malformed FIN/],
    ['FIN on stream 0', frame(T_FIN, 0, 0), /malformed FIN/],
    ['RESET on stream 0', frame(T_RESET, 0, 1), /RESET on stream 0/],
    ['zero WINDOW', frame(T_WINDOW, 1, 0), /malformed WINDOW/],
    ['WINDOW above 2^31', frame(T_WINDOW, 1, 2 ** 31 + 1), /malformed WINDOW/],
    ['GOAWAY with a value', frame(T_GOAWAY, 1, 1), /malformed GOAWAY/],
    ['unknown type', frame(9, 1, 0), /unknown frame type 9/],
  ];
  for (const [name, bytes, reason] of bad) {
    it(`refuses ${name}, and reads nothing after`, () => {
      const rec = new Recorder();
      const r = new FrameReader(rec);
      r.feed(Buffer.concat([frame(T_FIN, 1, 0), bytes, frame(T_FIN, 3, 0)]));
      assert.deepEqual(rec.events, ['fin 1']);
      assert.equal(rec.errors.length, 1);
      assert.match(rec.errors[0]!, reason);
      assert.equal(r.failed, true);
      r.feed(frame(T_FIN, 5, 0));
      assert.deepEqual(rec.events, ['fin 1']);
    });
  }

  it('never throws on random bytes: frames, then at most one protocol error', () => {
    const rnd = lcg(7);
    for (let round = 0; round < 2_000; round++) {
      const n = Math.floor(rnd() * 200);
      const bytes = Buffer.alloc(n);
      for (let i = 0; i < n; i++) bytes[i] = rnd() < 0.6 ? Math.floor(rnd() * 6) : Math.floor(rnd() * 256);
      const rec = new Recorder();
      const r = new FrameReader(rec);
      let p = 0;
      while (p < n) {
        const k = 1 + Math.floor(rnd() * 16);
        r.feed(bytes.subarray(p, p + k));
        p += k;
      }
      assert.ok(rec.errors.length <= 1, `round ${round}`);
      let payload = 0;
      for (const list of rec.data.values()) for (const c of list) payload += c.length;
      assert.ok(payload <= n, `round ${round}: no byte is reported twice`);
    }
  });
});
