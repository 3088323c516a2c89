/**
 * The bulk IN pipe as an ordered queue of submitted transfers. WebUSB cannot
 * cancel a transfer, so a transfer a caller gave up on (timeout, abort) stays
 * at the head of the queue: its bytes, if they ever come, are the next bytes
 * of the stream, and never get stolen by a newer transfer behind it.
 */

/** How one transfer ended. */
export type InOutcome =
  | { readonly ok: true; readonly status: USBTransferStatus; readonly data: Uint8Array; readonly requested: number }
  | { readonly ok: false; readonly error: unknown; readonly requested: number };

interface Entry {
  readonly requested: number;
  readonly outcome: Promise<InOutcome>;
  settled: boolean;
}

/** Submits `transferIn`s on one endpoint and hands their outcomes back in order. */
export class BulkInQueue {
  readonly #device: USBDevice;
  readonly #endpoint: number;
  readonly #queue: Entry[] = [];

  constructor(device: USBDevice, endpointNumber: number) {
    this.#device = device;
    this.#endpoint = endpointNumber;
  }

  /** Transfers submitted and not yet taken. */
  get inFlight(): number {
    return this.#queue.length;
  }

  /** Bytes asked for by the transfers not yet taken. */
  get requestedBytes(): number {
    let n = 0;
    for (const e of this.#queue) n += e.requested;
    return n;
  }

  /** Submits one transfer of `length` bytes. */
  submit(length: number): void {
    const entry: Entry = {
      requested: length,
      settled: false,
      outcome: Promise.resolve()
        .then(() => this.#device.transferIn(this.#endpoint, length))
        .then(
          (r): InOutcome => ({ ok: true, status: r.status, data: viewOf(r.data), requested: length }),
          (error: unknown): InOutcome => ({ ok: false, error, requested: length }),
        )
        .finally(() => {
          entry.settled = true;
        }),
    };
    this.#queue.push(entry);
  }

  /**
   * The oldest transfer's outcome (submitting one of `length` if none is in
   * flight). The transfer leaves the queue only once it has settled, so a
   * caller that stops waiting leaves it for the next.
   */
  async next(length: number, wait: <T>(p: Promise<T>) => Promise<T>): Promise<InOutcome> {
    if (this.#queue.length === 0) this.submit(length);
    const head = this.#queue[0]!;
    const outcome = await wait(head.outcome);
    if (this.#queue[0] === head) this.#queue.shift();
    return outcome;
  }

  /** Drops the transfers that have already completed (stale bytes after a cancel). Returns how many. */
  dropSettled(): number {
    let n = 0;
    while (this.#queue[0]?.settled === true) {
      this.#queue.shift();
      n++;
    }
    return n;
  }

  /** Forgets every transfer (the device was closed: they all reject). */
  clear(): void {
    this.#queue.length = 0;
  }
}

function viewOf(data: DataView | undefined): Uint8Array {
  return data === undefined ? new Uint8Array(0) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
