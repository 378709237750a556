/**
 * Transparent capture needs the original destination of a redirected connection (SO_ORIGINAL_DST, read
 * by the native addon in `src/proxy/capture/`). The shell only needs this one function.
 */
import type { Socket } from 'node:net';
import { weftError, type WeftError } from '../../core/errors.js';
import { err, type Result } from '../../core/result.js';

export interface OriginalDestination {
  readonly address: string;
  readonly port: number;
}

/** The original destination of an accepted, redirected connection; undefined when it cannot be read. */
export type OriginalDstReader = (socket: Socket) => OriginalDestination | undefined;

/** Loads the reader, or says clearly why capture is not available here. */
export function loadOriginalDstReader(): Result<OriginalDstReader, WeftError> {
  return err(weftError('WEFT_RUNTIME_UNAVAILABLE', 'transparent capture is not available: the SO_ORIGINAL_DST addon is not built on this machine; run with --no-capture and explicit listeners'));
}
