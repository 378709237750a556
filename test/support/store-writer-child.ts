// A child process for the crash test: writes to a file store in a loop and prints "ack N" after each
// acknowledged iteration, until it is killed. Usage: node store-writer-child.js DIR
import { createResourceValidator } from '../../src/api/validate.js';
import { createSystemClock } from '../../src/core/system-clock.js';
import { openFileStore } from '../../src/control/store/create-file-store.js';
import { service } from './resource-fixtures.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: store-writer-child DIR');
const opened = openFileStore({ dir, validator: createResourceValidator(), clock: createSystemClock(), compactAfter: 64 });
if (!opened.ok) throw new Error(opened.error.message);
const store = opened.value.store;
for (let i = 0; ; i++) {
  const a = await store.apply(service(`s${i}`, 'default', { app: `v${i}` }));
  const b = await store.apply(service('counter', 'default', { n: String(i) }));
  if (!a.ok || !b.ok) throw new Error('write failed');
  process.stdout.write(`ack ${i}\n`);
}
