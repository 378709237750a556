/**
 * The original destination of a captured TCP connection (Linux `SO_ORIGINAL_DST`), read through
 * Weft's small N-API addon in `native/original-dst` (built by `npm run build`). Where the addon
 * cannot load (not Linux, not built), `loadOriginalDst` says so with `WEFT_RUNTIME_UNAVAILABLE`;
 * explicit listeners work without it.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import { err, ok, type Result } from '../../core/result.js';
import { weftError } from '../../core/errors.js';

export interface OriginalDst {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

export interface OriginalDstReader {
  /** The destination the client dialled before REDIRECT/DNAT; about 2.5 µs, once per connection. */
  read(socket: Socket): Result<OriginalDst>;
}

export interface LoadOriginalDstOptions {
  /** Path of the compiled addon; default the one `npm run build` produces in this checkout. */
  readonly addonPath?: string;
  /** Default `process.platform`. */
  readonly platform?: string;
}

interface Addon {
  getOriginalDst(fd: number): { address: string; port: number; family: number };
}

/** Where `native/build.sh` puts the addon, from this file's place in `dist/src/proxy/capture/`. */
export function defaultAddonPath(): string {
  return fileURLToPath(new URL('../../../../native/original-dst/build/Release/original_dst.node', import.meta.url));
}

/** Loads the addon once; the reader it returns is cheap to call per connection. */
export function loadOriginalDst(options: LoadOriginalDstOptions = {}): Result<OriginalDstReader> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') {
    return err(weftError('WEFT_RUNTIME_UNAVAILABLE', `transparent capture needs Linux (SO_ORIGINAL_DST); this is ${platform}: use explicit listeners`));
  }
  const path = options.addonPath ?? defaultAddonPath();
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    return err(weftError('WEFT_RUNTIME_UNAVAILABLE', `the SO_ORIGINAL_DST addon could not be loaded (${(e as Error).message}); run \`npm run build\` (needs g++, make, python3 and the Node headers)`, path));
  }
  if (typeof addon.getOriginalDst !== 'function') return err(weftError('WEFT_RUNTIME_UNAVAILABLE', 'the SO_ORIGINAL_DST addon has no getOriginalDst', path));
  return ok({
    read(socket) {
      const fd = socketFd(socket);
      if (fd === undefined) return err(weftError('WEFT_CAPTURE_ORIGINAL_DST', 'the socket has no file descriptor (closed, or not a TCP socket)'));
      try {
        const d = addon.getOriginalDst(fd);
        return ok({ address: d.address, port: d.port, family: d.family === 6 ? 6 : 4 });
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        const why = code === 'ENOENT' ? 'the connection has no NAT/conntrack record (it was not redirected)' : (e as Error).message;
        return err(weftError('WEFT_CAPTURE_ORIGINAL_DST', `cannot read the original destination: ${why}`));
      }
    },
  });
}

/**
 * The OS file descriptor of a socket. This reads `socket._handle.fd`, an undocumented internal of
 * Node (stable on Unix for many years; also set on a TLSSocket's TLSWrap). It is the only place in
 * Weft that touches it, and the capture integration test exercises it in CI.
 */
export function socketFd(socket: Socket): number | undefined {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}
