// A helper program for the capture test, run inside a test network namespace:
//   node original-dst-probe.js
// Listens on 127.0.0.1:0 ("v4") and on [::]:0 ("dual", when IPv6 is up), prints
// {"ready":true,"v4":PORT,"dual":PORT|null}, then for each stdin line "HOST PORT LABEL" dials
// HOST:PORT and sends LABEL; whichever listener accepts prints one JSON line with the original
// destination it read (or the error) and whether the loop guard calls it a self-destination.
import net from 'node:net';
import { createInterface } from 'node:readline';
import { loadOriginalDst } from '../../src/proxy/capture/original-dst.js';
import { isSelfDestination } from '../../src/proxy/capture/loop-guard.js';

const loaded = loadOriginalDst();
if (!loaded.ok) {
  console.log(JSON.stringify({ fatal: loaded.error.message }));
  process.exit(2);
}
const reader = loaded.value;

function onConnection(listener: string) {
  return (socket: net.Socket): void => {
    const orig = reader.read(socket);
    socket.once('data', (label: Buffer) => {
      const line = orig.ok
        ? { label: label.toString(), listener, orig: orig.value, self: isSelfDestination(orig.value, socket), local: `${socket.localAddress}:${socket.localPort}` }
        : { label: label.toString(), listener, error: orig.error.code, message: orig.error.message };
      console.log(JSON.stringify(line));
      socket.end();
    });
  };
}

const v4 = net.createServer(onConnection('v4'));
const dual = net.createServer(onConnection('dual'));
v4.listen(0, '127.0.0.1', () => {
  dual.once('error', () => ready(null));
  dual.listen({ port: 0, host: '::', ipv6Only: false }, () => ready((dual.address() as net.AddressInfo).port));
});

function ready(dualPort: number | null): void {
  console.log(JSON.stringify({ ready: true, v4: (v4.address() as net.AddressInfo).port, dual: dualPort }));
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const [host, port, label] = line.trim().split(' ');
    if (host === undefined || port === undefined || label === undefined) return;
    const c = net.connect({ host, port: Number(port) }, () => c.write(label));
    c.on('error', (e) => console.log(JSON.stringify({ label, dialError: e.message })));
    c.resume();
  });
  rl.on('close', () => {
    v4.close();
    dual.close();
  });
}
