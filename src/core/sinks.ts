/**
 * Ready-made {@link DataSink}s: into memory, into a Node writable, into a WHATWG
 * WritableStream. Structural types only, so the core stays free of `node:*`.
 */
import type { DataSink } from './transport.js';

/** A sink that collects the payload in memory. */
export interface BufferSink extends DataSink {
  /** The bytes received so far (a view; valid until the next write). */
  bytes(): Uint8Array;
}

// Trust an announced length only this far: a bogus header must not allocate gigabytes.
const PREALLOCATE_LIMIT = 64 * 1024 * 1024;

/** Collects a data phase in memory, growing by doubling. */
export function bufferSink(): BufferSink {
  let buf = new Uint8Array(0);
  let length = 0;
  return {
    start(total) {
      if (total !== undefined && total > 0n) {
        buf = new Uint8Array(Number(total < BigInt(PREALLOCATE_LIMIT) ? total : BigInt(PREALLOCATE_LIMIT)));
      }
    },
    write(chunk) {
      if (length + chunk.length > buf.length) {
        let cap = Math.max(buf.length * 2, 4096);
        while (cap < length + chunk.length) cap *= 2;
        const next = new Uint8Array(cap);
        next.set(buf.subarray(0, length));
        buf = next;
      }
      buf.set(chunk, length);
      length += chunk.length;
    },
    bytes: () => buf.subarray(0, length),
  };
}

/** The part of a Node `stream.Writable` a sink needs. */
export interface NodeWritableLike {
  write(chunk: Uint8Array): boolean;
  once(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
  removeListener(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
}

/**
 * Streams into a Node writable, honouring backpressure: when `write()` returns
 * false the transfer waits for `drain`. Chunks are copied because transports
 * reuse their buffers. The writable is not ended; the caller owns it.
 */
export function writableSink(writable: NodeWritableLike): DataSink {
  return {
    write(chunk) {
      if (writable.write(chunk.slice())) return;
      return new Promise<void>((resolve, reject) => {
        const done = (): void => {
          writable.removeListener('drain', done);
          writable.removeListener('error', fail);
          writable.removeListener('close', closed);
          resolve();
        };
        const fail = (err: unknown): void => {
          writable.removeListener('drain', done);
          writable.removeListener('close', closed);
          reject(err instanceof Error ? err : new Error(String(err)));
        };
        const closed = (): void => fail(new Error('destination closed before the transfer ended'));
        writable.once('drain', done);
        writable.once('error', fail);
        writable.once('close', closed);
      });
    },
  };
}

/** Streams into a WHATWG `WritableStream` (browsers, `node:stream/web`). Not closed at the end. */
export function webWritableSink(stream: WritableStream<Uint8Array>): DataSink & { release(): void } {
  const writer = stream.getWriter();
  return {
    async write(chunk) {
      await writer.ready;
      await writer.write(chunk.slice());
    },
    release: () => writer.releaseLock(),
  };
}

/** True if `x` looks like a Node writable stream. */
export function isNodeWritableLike(x: unknown): x is NodeWritableLike {
  return (
    typeof x === 'object' && x !== null &&
    typeof (x as NodeWritableLike).write === 'function' &&
    typeof (x as NodeWritableLike).once === 'function' &&
    typeof (x as NodeWritableLike).removeListener === 'function'
  );
}
