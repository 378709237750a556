// Identity material on disk: load, watch for rotation (atomic renames), bad material kept out,
// and file permissions for a proxy running as uid 1337.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadIdentityFiles, watchIdentityFiles, type IdentityFilePaths } from '../../src/proxy/tls/identity-files.js';
import type { IdentityMaterial } from '../../src/proxy/tls/identity-material.js';
import type { WeftError } from '../../src/core/errors.js';
import { createTestPki, type TestPki } from '../support/pki.js';

const ID = 'spiffe://cluster.local/ns/default/sa/web';
const WAIT_MS = 5000;
let pki: TestPki;
let dir: string;
let paths: IdentityFilePaths;

before(async () => {
  pki = await createTestPki();
  dir = await mkdtemp(join(tmpdir(), 'weft-idfiles-'));
  paths = { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem'), caPath: join(dir, 'ca.pem') };
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await pki.cleanup();
});

async function atomicWrite(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

async function install(files: { certPem: string; keyPem: string }): Promise<void> {
  await atomicWrite(paths.keyPath, files.keyPem);
  await atomicWrite(paths.certPath, files.certPem);
  await atomicWrite(paths.caPath, pki.caPem);
}

function next<T>(queue: T[], waiters: (() => void)[], what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
    const check = (): void => {
      const item = queue.shift();
      if (item !== undefined) {
        clearTimeout(timer);
        resolve(item);
      } else waiters.push(check);
    };
    check();
  });
}

test('identity files load, and unreadable or mismatched files are refused with the reason', async () => {
  const a = await pki.issue(ID);
  await install(a);
  const loaded = await loadIdentityFiles(paths);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
  assert.equal(loaded.value.spiffeId, ID);

  const missing = await loadIdentityFiles({ ...paths, keyPath: join(dir, 'nope.pem') });
  assert.ok(!missing.ok);
  assert.equal(missing.error.code, 'WEFT_TLS_MATERIAL_INVALID');
  assert.match(missing.error.message, /nope\.pem/);

  const b = await pki.issue(ID);
  await atomicWrite(paths.keyPath, b.keyPem);
  const mismatch = await loadIdentityFiles(paths);
  assert.ok(!mismatch.ok);
  assert.match(mismatch.error.message, /does not match/);
});

test('the watcher reports rotated material once, reports bad material as an error, and recovers', async () => {
  const first = await pki.issue(ID);
  await install(first);
  const initial = await loadIdentityFiles(paths);
  assert.ok(initial.ok);
  const materials: IdentityMaterial[] = [];
  const errors: WeftError[] = [];
  const waiters: (() => void)[] = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const watcher = watchIdentityFiles(paths, {
    current: initial.value,
    debounceMs: 150,
    onMaterial: (m) => {
      materials.push(m);
      wake();
    },
    onError: (e) => {
      errors.push(e);
      wake();
    },
  });
  try {
    const second = await pki.issue(ID);
    await install(second);
    const m = await next(materials, waiters, 'rotated material');
    assert.notEqual(m.fingerprint, initial.value.fingerprint);
    assert.equal(m.certPem, second.certPem);

    // (a slow writer could have shown a transient key/cert mismatch: forget those)
    errors.length = 0;
    await atomicWrite(paths.certPath, 'not a certificate');
    const e = await next(errors, waiters, 'an error for bad material');
    assert.equal(e.code, 'WEFT_TLS_MATERIAL_INVALID');
    assert.equal(materials.length, 0);

    const third = await pki.issue(ID);
    await install(third);
    const recovered = await next(materials, waiters, 'recovered material');
    assert.equal(recovered.certPem, third.certPem);

    // An explicit reload with nothing changed reports nothing.
    await watcher.reload();
    assert.equal(materials.length, 0);
  } finally {
    watcher.close();
  }
});

test('key files are readable by uid 1337 only when the PKI is created for that owner', { skip: process.getuid?.() === 0 ? false : 'needs root to switch to uid 1337' }, async () => {
  const readAs1337 = (path: string): boolean => {
    try {
      execFileSync('setpriv', ['--reuid=1337', '--regid=1337', '--clear-groups', process.execPath, '-e', `require('fs').readFileSync(${JSON.stringify(path)})`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const rootOwned = await pki.issue(ID);
  assert.equal(readAs1337(rootOwned.keyPath), false);
  const owned = await createTestPki({ ownerUid: 1337 });
  try {
    const files = await owned.issue(ID);
    assert.equal(readAs1337(files.keyPath), true);
    assert.equal(readAs1337(owned.caPath), true);
  } finally {
    await owned.cleanup();
  }
});
