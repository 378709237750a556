/**
 * Transparent capture needs the original destination of a redirected connection (SO_ORIGINAL_DST, read
 * by the native addon in `src/proxy/capture/`). The shell only needs this one function.
 */
import type { Socket } from 'node:net';
import type { WeftError } from '../../core/errors.js';
import { ok, type Result } from '../../core/result.js';
import { loadOriginalDst } from '../capture/original-dst.js';

export interface OriginalDestination {
  readonly address: string;
  readonly port: number;
}

/** The original destination of an accepted, redirected connection; undefined when it cannot be read. */
export type OriginalDstReader = (socket: Socket) => OriginalDestination | undefined;

/** Loads the addon, or says clearly why capture is not available here (WEFT_RUNTIME_UNAVAILABLE). */
export function loadOriginalDstReader(): Result<OriginalDstReader, WeftError> {
  const r = loadOriginalDst();
  if (!r.ok) return r;
  const reader = r.value;
  return ok((socket) => {
    const d = reader.read(socket);
    return d.ok ? d.value : undefined;
  });
}
