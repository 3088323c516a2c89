/** Helpers for operation handlers of the virtual camera and its vendor behaviours. */
import type { IncomingData, IncomingTransaction } from '../core/transport.js';

/** Parameter `i` of the request (0 when the initiator sent fewer). */
export function param(t: IncomingTransaction, i: number): number {
  return t.request.params[i] ?? 0;
}

/**
 * Reads a small data phase (a dataset, a property value) whole; `undefined`
 * when it exceeds `max` bytes, so a bogus length never makes us buffer much.
 */
export async function readLimited(data: IncomingData | undefined, max: number): Promise<Uint8Array | undefined> {
  if (data === undefined) return new Uint8Array(0);
  if (data.length !== undefined && data.length > BigInt(max)) return undefined;
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of data) {
    n += chunk.length;
    if (n > max) return undefined;
    parts.push(chunk.slice());
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
