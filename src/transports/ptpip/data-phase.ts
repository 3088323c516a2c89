/**
 * Data phases over PTP/IP, both directions: Start Data (with the 64-bit total),
 * Data packets, End Data. Memory stays flat: the sender moves one chunk at a
 * time, the receivers pause the socket while their consumer is behind.
 */
import { ProtocolError } from '../../core/errors.js';
import { dataSourceChunks, dataSourceLength, type DataSink, type DataSource, type ProgressListener } from '../../core/transport.js';
import type { PacketChannel } from './channel.js';
import { PacketType } from './packets.js';

/** Largest Data packet payload we send. Large packets mean fewer headers and syscalls. */
export const MAX_DATA_PACKET = 1024 * 1024;
/** Data phases up to this size are written in one go with their neighbouring packets (see `PacketChannel.hold`). */
export const SMALL_DATA_PHASE = 64 * 1024;

/** True when a data phase is small enough to be held and sent in one writev. */
export function isSmallDataPhase(source: DataSource | undefined): boolean {
  return source === undefined || (source instanceof Uint8Array && source.length <= SMALL_DATA_PHASE);
}

/** Total length meaning "unknown" in Start Data. */
export const UNKNOWN_LENGTH = 0xffffffffffffffffn;
/** Unconsumed bytes at which a receiver pauses the socket, and below which it resumes. */
const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 2 * 1024 * 1024;

/**
 * Sends a whole data phase. The last payload goes in the End Data packet (one
 * chunk of look-ahead); an empty phase is Start Data(0) + an empty End Data.
 */
export async function sendDataPhase(
  channel: PacketChannel,
  transactionId: number,
  source: DataSource,
  options: { readonly onProgress?: ProgressListener; readonly signal?: AbortSignal } = {},
): Promise<void> {
  const total = dataSourceLength(source);
  if (source instanceof Uint8Array && source.length <= MAX_DATA_PACKET) {
    // The common small reply (a property value, a dataset): no async iteration.
    void channel.send(PacketType.StartData, { transactionId, totalLength: total });
    await channel.sendData(PacketType.EndData, transactionId, source);
    if (source.length > 0) options.onProgress?.(total, total);
    return;
  }
  await channel.send(PacketType.StartData, { transactionId, totalLength: total });
  let sent = 0n;
  let held: Uint8Array | undefined;
  for await (const chunk of dataSourceChunks(source)) {
    for (let at = 0; at < chunk.length; at += MAX_DATA_PACKET) {
      const piece = chunk.subarray(at, Math.min(chunk.length, at + MAX_DATA_PACKET));
      if (held !== undefined) {
        if (options.signal?.aborted === true) throw options.signal.reason;
        await channel.sendData(PacketType.Data, transactionId, held);
        sent += BigInt(held.length);
        options.onProgress?.(sent, total);
      }
      held = piece;
    }
  }
  const last = held ?? new Uint8Array(0);
  if (sent + BigInt(last.length) !== total) {
    throw new ProtocolError(`data source gave ${sent + BigInt(last.length)} byte(s) but announced ${total}`, { field: 'StartData.totalLength' });
  }
  await channel.sendData(PacketType.EndData, transactionId, last);
  if (last.length > 0) options.onProgress?.(total, total);
}

/**
 * Receives a data phase into a {@link DataSink}, in order, applying backpressure.
 * Feed it with {@link DataPhaseReceiver.push}; `done` settles after End Data
 * has been written to the sink (or with the sink's error, once the phase has
 * been read to its end so the connection stays in step).
 */
export class DataPhaseReceiver {
  readonly transactionId: number;
  readonly done: Promise<bigint>;
  readonly #channel: PacketChannel;
  readonly #sink: DataSink | undefined;
  readonly #total: bigint | undefined;
  readonly #onProgress: ProgressListener | undefined;
  #received = 0n;
  #pending = 0;
  /** Writes (or an async `start`) not finished yet; while any, new chunks queue behind them. */
  #queuedWrites = 0;
  #paused = false;
  #ended = false;
  #tail: Promise<void> = Promise.resolve();
  #error: unknown;
  #resolve!: (n: bigint) => void;
  #reject!: (e: unknown) => void;

  constructor(channel: PacketChannel, transactionId: number, totalLength: bigint, sink: DataSink | undefined, onProgress?: ProgressListener) {
    this.#channel = channel;
    this.transactionId = transactionId;
    this.#sink = sink;
    this.#total = totalLength === UNKNOWN_LENGTH ? undefined : totalLength;
    this.#onProgress = onProgress;
    this.done = new Promise((res, rej) => {
      this.#resolve = res;
      this.#reject = rej;
    });
    this.done.catch(() => undefined); // observed by the caller; avoid an unhandled rejection meanwhile
    let started: void | Promise<void> = undefined;
    try {
      started = sink?.start?.(this.#total);
    } catch (e) {
      this.#setError(e);
    }
    if (started !== undefined) {
      this.#queuedWrites = 1;
      this.#tail = started.then(
        () => void this.#queuedWrites--,
        (e: unknown) => {
          this.#queuedWrites--;
          this.#setError(e);
        },
      );
    }
  }

  /** True once the final piece of End Data has been pushed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** A piece of Data / End Data payload; `end` on the final piece of End Data. */
  push(chunk: Uint8Array, end: boolean): void {
    if (end) this.#ended = true;
    this.#received += BigInt(chunk.length);
    if (this.#total !== undefined && this.#received > this.#total) {
      this.#setError(new ProtocolError(`data phase longer than the ${this.#total} byte(s) announced`, { field: 'Data' }));
    }
    if (chunk.length > 0 && this.#error === undefined && this.#sink !== undefined) {
      const sink = this.#sink;
      const received = this.#received;
      if (this.#queuedWrites === 0) {
        // Nothing waiting: write now; only a sink that returns a promise costs a chain.
        let result: void | Promise<void> = undefined;
        try {
          result = sink.write(chunk);
        } catch (e) {
          this.#setError(e);
        }
        if (result === undefined) {
          this.#onProgress?.(received, this.#total);
        } else {
          this.#queue(chunk.length, received, () => result as Promise<void>);
        }
      } else {
        this.#queue(chunk.length, received, () => sink.write(chunk));
      }    } else if (chunk.length > 0) {
      this.#onProgress?.(this.#received, this.#total);
    }
    if (end) {
      if (this.#total !== undefined && this.#received !== this.#total && this.#error === undefined) {
        this.#setError(new ProtocolError(`data phase ended after ${this.#received} of ${this.#total} byte(s)`, { field: 'EndData' }));
      }
      void this.#tail.then(() => {
        if (this.#paused) {
          this.#paused = false;
          this.#channel.resume();
        }
        if (this.#error !== undefined) this.#reject(this.#error);
        else this.#resolve(this.#received);
      });
    }
  }

  /** Runs `write` after the writes before it, pausing the socket while too much waits. */
  #queue(length: number, received: bigint, write: () => void | Promise<void>): void {
    this.#queuedWrites++;
    this.#pending += length;
    if (!this.#paused && this.#pending > HIGH_WATER) {
      this.#paused = true;
      this.#channel.pause();
    }
    this.#tail = this.#tail.then(async () => {
      if (this.#error === undefined) {
        try {
          await write();
        } catch (e) {
          this.#setError(e);
        }
      }
      this.#queuedWrites--;
      this.#pending -= length;
      if (this.#paused && this.#pending < LOW_WATER) {
        this.#paused = false;
        this.#channel.resume();
      }
      this.#onProgress?.(received, this.#total);
    });
  }

  /** Gives up (link lost): `done` rejects with `error`. */
  fail(error: unknown): void {
    this.#setError(error);
    if (this.#paused) {
      this.#paused = false;
      this.#channel.resume();
    }
    this.#reject(error);
  }

  #setError(e: unknown): void {
    if (this.#error === undefined) this.#error = e;
  }
}

/**
 * The responder's view of an incoming data phase: an async iterable of chunks
 * with backpressure on the socket. Ends at End Data.
 */
export class IncomingChunks implements AsyncIterable<Uint8Array> {
  readonly length: bigint | undefined;
  readonly #channel: PacketChannel;
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  #paused = false;
  #ended = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  #discard = false;

  constructor(channel: PacketChannel, totalLength: bigint) {
    this.#channel = channel;
    this.length = totalLength === UNKNOWN_LENGTH ? undefined : totalLength;
    // gphoto2 sends Start Data(0) and no End Data for an empty upload: a zero-length phase is complete at once.
    if (totalLength === 0n) this.#ended = true;
  }

  get ended(): boolean {
    return this.#ended;
  }

  push(chunk: Uint8Array, end: boolean): void {
    if (chunk.length > 0 && !this.#discard) {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
      if (!this.#paused && this.#queued > HIGH_WATER) {
        this.#paused = true;
        this.#channel.pause();
      }
    }
    if (end) this.#ended = true;
    this.#wake?.();
  }

  fail(error: unknown): void {
    this.#error = error;
    this.#ended = true;
    this.#wake?.();
  }

  /** Drops whatever is left, up to End Data (a handler that did not read all of the data). */
  async drain(): Promise<void> {
    this.#discard = true;
    this.#queue.length = 0;
    this.#queued = 0;
    if (this.#paused) {
      this.#paused = false;
      this.#channel.resume();
    }
    while (!this.#ended) {
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = this.#queue.shift();
      if (chunk !== undefined) {
        this.#queued -= chunk.length;
        if (this.#paused && this.#queued < LOW_WATER) {
          this.#paused = false;
          this.#channel.resume();
        }
        yield chunk;
        continue;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
  }
}
