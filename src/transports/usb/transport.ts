/**
 * `UsbTransport`: PTP over USB bulk pipes (USB Still Image Capture Device
 * Definition), written against the WebUSB `USBDevice` interface so node-usb's
 * `WebUSBDevice` and a browser's `navigator.usb` device share one code path.
 *
 * Containers: one command container per transfer; data-out as header + payload
 * in transfers of `transferSize`, one at a time (WebUSB cannot cancel a queued
 * transfer, so an abort must not leave any behind the Cancel), with a
 * zero-length packet when the container fills its last packet; data-in read
 * in large transfers, several in flight,
 * never past the end of the phase, streamed into the sink with backpressure;
 * a response glued after the data and the ZLP after a packet-aligned phase are
 * both accepted. Events are polled on the interrupt endpoint while open (with
 * Get Extended Event Data for an event longer than the interrupt packets
 * carried). The device handle is shared with discovery through a lease
 * (`device-handle.ts`), so neither closes it under the other. An unplug
 * reported by a {@link UsbDeviceSource} ends the link at once, even with no
 * transfer in flight.
 * Abort and failures resynchronise with the class requests (Cancel, Get Device
 * Status, clear halt), so the next transaction works.
 */
import { Listeners } from '../../core/listeners.js';
import { CodeNames } from '../../core/codes/names.js';
import {
  CONTAINER_HEADER_SIZE,
  CONTAINER_LENGTH_UNKNOWN,
  ContainerType,
  decodeContainerHeader,
  encodeContainer,
  encodeDataHeader,
  type ContainerHeader,
} from '../../core/container.js';
import { ProtocolError, TimeoutError, TransportError } from '../../core/errors.js';
import {
  dataSourceChunks,
  dataSourceLength,
  type DataSink,
  type DataSource,
  type DisconnectListener,
  type OperationRequest,
  type OperationResponse,
  type PtpEvent,
  type TransactionPhases,
  type Transport,
} from '../../core/transport.js';
import { BulkInQueue, type InOutcome } from './bulk-in.js';
import {
  cancelRequestData,
  classSetup,
  ClassRequest,
  decodeDeviceStatus,
  decodeExtendedEventData,
  type DeviceStatus,
  type ExtendedEventData,
} from './class-requests.js';
import { leaseDevice, type DeviceLease } from './device-handle.js';
import { findPtpEndpoints, type PtpUsbEndpoints } from './endpoints.js';
import { msOsMtpInterface } from './ms-os-descriptor.js';
import { msOsProbeAllowed } from './ms-os-probe.js';
import { openHint } from './open-hint.js';
import { navigatorUsb, sameUsbDevice, type UsbConnectionListener, type UsbDeviceSource } from './source.js';

/** Options of {@link UsbTransport}. */
export interface UsbTransportOptions {
  /** Bytes per bulk transfer (rounded to a multiple of the max packet size). Default 512 KiB. */
  readonly transferSize?: number;
  /**
   * Bulk IN transfers kept in flight during a data-in phase. Default 3. 1 for
   * a USB stack that takes one transfer per endpoint at a time (node-usb 3.1).
   * A data-out phase always has one transfer in flight.
   */
  readonly concurrentTransfers?: number;
  /** How long one transfer may wait for the device, in ms. 0 = no limit. Default 30000. */
  readonly timeoutMs?: number;
  /** How long a cancel may take to bring the device back to OK (status polls), in ms. Default 5000. */
  readonly cancelTimeoutMs?: number;
  /** Use this interface instead of searching the descriptors. */
  readonly endpoints?: PtpUsbEndpoints;
  /** Names of operation codes in error messages. Default: the standard table. */
  readonly codeNames?: CodeNames;
  /**
   * Tells the transport when its device is unplugged, so `onDisconnect` fires
   * at once even with no transfer in flight: node-usb's WebUSB (the one the
   * device came from; `nodeUsbSource()`) or `navigator.usb`. Default:
   * `navigator.usb` where there is one.
   */
  readonly source?: UsbDeviceSource;
}

const OK = 0x2001;
const DEVICE_BUSY = 0x2019;
const STATUS_POLL_INTERVAL_MS = 20;
/** An interrupt event container holds at most three parameters (12 + 3 * 4 bytes). */
const EVENT_CONTAINER_MAX = CONTAINER_HEADER_SIZE + 3 * 4;
/**
 * Longer than this, an "event container" on the interrupt pipe is taken as
 * garbage. Far above any event seen (libgphoto2 reads at most 24 bytes), and
 * what one Get Extended Event Data answer can hold on Linux (usbfs refuses a
 * control transfer longer than a page).
 */
const EVENT_CONTAINER_LIMIT = 4096;
/**
 * How long the rest of an event container that filled its interrupt packets
 * may take to come before it is asked for with Get Extended Event Data
 * (libgphoto2's PTP2_FAST_TIMEOUT for the same follow-on read).
 */
const EVENT_FOLLOW_ON_MS = 150;
/** Most bytes asked of Get Extended Event Data: a page, the longest control transfer Linux's usbfs takes. */
const EXTENDED_EVENT_DATA_MAX = 4096;

/** A transfer came back with `stall`: the device halted the endpoint. */
class StallError extends TransportError {
  constructor(
    readonly direction: USBDirection,
    what: string,
  ) {
    super(`the device stalled the bulk ${direction.toUpperCase()} endpoint during ${what}`);
  }
}

/** PTP over USB. */
export class UsbTransport implements Transport {
  readonly kind = 'usb';
  readonly device: USBDevice;
  readonly transferSize: number;
  readonly concurrentTransfers: number;
  readonly timeoutMs: number;
  readonly cancelTimeoutMs: number;
  /** Set by `open()`. */
  endpoints: PtpUsbEndpoints | undefined;

  readonly #options: UsbTransportOptions;
  readonly #names: CodeNames;
  #open = false;
  #busy = false;
  #in: BulkInQueue | undefined;
  /** Bytes read past the end of the last container (a response glued to data). */
  #leftover: Uint8Array = new Uint8Array(0);
  /** Aborted when the link goes away; every wait races it. */
  #life = new AbortController();
  readonly #cancelled = new Set<number>();
  readonly #eventListeners = new Listeners<[PtpEvent]>();
  readonly #disconnectListeners = new Listeners<[Error | undefined]>();
  #eventLoop: Promise<void> | undefined;
  /** The interface is claimed: close() must release it, even after a disconnect. */
  #claimed = false;
  /** Stops listening to the source's disconnect events. */
  #unlisten: (() => void) | undefined;
  #closedReason: Error | undefined;
  /** This transport's share of the device handle, from open() to close(). */
  #lease: DeviceLease | undefined;
  readonly #description: string;

  constructor(device: USBDevice, options: UsbTransportOptions = {}) {
    this.device = device;
    this.#options = options;
    this.#names = options.codeNames ?? CodeNames.standard;
    this.transferSize = Math.max(1, options.transferSize ?? 512 * 1024);
    this.concurrentTransfers = Math.max(1, options.concurrentTransfers ?? 3);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.cancelTimeoutMs = options.cancelTimeoutMs ?? 5_000;
    // Read once, now: node-usb 3 refuses to read the serial number while a transfer is in flight.
    const hex = (n: number): string => n.toString(16).padStart(4, '0');
    const serialNumber = device.serialNumber;
    const serial = serialNumber !== undefined && serialNumber !== null && serialNumber !== '' ? `/${serialNumber}` : '';
    this.#description = `usb:${hex(device.vendorId)}:${hex(device.productId)}${serial}`;
  }

  get description(): string {
    return this.#description;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async open(signal?: AbortSignal): Promise<void> {
    if (this.#open) return;
    if (signal?.aborted === true) throw signal.reason;
    const device = this.device;
    let lease: DeviceLease | undefined;
    let claimed: number | undefined;
    try {
      lease = await leaseDevice(device);
      let eps = this.#options.endpoints ?? findPtpEndpoints(device) ?? (await this.#msOsEndpoints());
      if (eps === undefined) throw new TransportError(`${this.description} has no PTP/MTP interface (still-image class 6/1/1 or an "MTP" vendor interface)`);
      // Setting the configuration again resets some devices: only when none is set, or another is needed.
      if (device.configuration === null || device.configuration.configurationValue !== eps.configurationValue) {
        await device.selectConfiguration(eps.configurationValue);
        eps = this.#options.endpoints ?? findPtpEndpoints(device) ?? eps;
      }
      await device.claimInterface(eps.interfaceNumber);
      claimed = eps.interfaceNumber;
      const iface = device.configuration?.interfaces.find((i) => i.interfaceNumber === eps.interfaceNumber);
      if (eps.alternateSetting !== 0 && iface?.alternate.alternateSetting !== eps.alternateSetting) {
        await device.selectAlternateInterface(eps.interfaceNumber, eps.alternateSetting);
      }
      if (isAborted(signal)) throw signal!.reason;
      this.endpoints = eps;
    } catch (err) {
      // Leave the device as it was found: released, and closed unless someone else holds it open.
      if (claimed !== undefined) await device.releaseInterface(claimed).catch(() => undefined);
      await lease?.release().catch(() => undefined);
      throw err instanceof TransportError || isAborted(signal)
        ? err
        : new TransportError(`cannot open ${this.description}: ${message(err)}${openHint(err)}`, { cause: err });
    }
    this.#claimed = true;
    this.#lease = lease;
    this.#life = new AbortController();
    this.#in = new BulkInQueue(device, this.endpoints.bulkIn.endpointNumber);
    this.#leftover = new Uint8Array(0);
    this.#open = true;
    this.#listenForUnplug();
    this.#eventLoop = this.#pollEvents();
  }

  /**
   * An interface the device's Microsoft OS descriptor calls MTP, for a
   * vendor-specific device without an "MTP" name, if discovery's rules allow asking it.
   */
  async #msOsEndpoints(): Promise<PtpUsbEndpoints | undefined> {
    if (!msOsProbeAllowed(this.device)) return undefined;
    const n = await msOsMtpInterface(this.device).catch(() => undefined);
    return n === undefined ? undefined : findPtpEndpoints(this.device, { msOsMtpInterface: n });
  }

  #listenForUnplug(): void {
    const source = this.#options.source ?? navigatorUsb();
    if (source === undefined) return;
    const onDisconnect: UsbConnectionListener = (e) => {
      if (sameUsbDevice(e.device, this.device)) this.#shutdown(new TransportError(`${this.description} was unplugged`));
    };
    source.addEventListener('disconnect', onDisconnect);
    this.#unlisten = () => source.removeEventListener('disconnect', onDisconnect);
  }

  async close(): Promise<void> {
    this.#shutdown(undefined);
    // Also after a disconnect: the handle (and, with node-usb, a kernel driver it detached) is given back.
    if (this.#claimed) {
      this.#claimed = false;
      try {
        if (this.endpoints !== undefined) await this.device.releaseInterface(this.endpoints.interfaceNumber);
      } catch {
        // Already gone: closing is best effort.
      }
    }
    // The handle is closed when no one else (discovery, the application) still holds it.
    const lease = this.#lease;
    this.#lease = undefined;
    await lease?.release().catch(() => undefined);
    await this.#eventLoop?.catch(() => undefined);
  }

  /** The endpoints, or the "not open" TransportError for a call made before open() or after the end. */
  #openEndpoints(): PtpUsbEndpoints {
    if (!this.#open || this.endpoints === undefined) throw this.#notOpen();
    return this.endpoints;
  }

  /** Why calls fail now: the disconnect that ended the link, or just "not open". */
  #notOpen(): TransportError {
    const ended: unknown = this.#life.signal.reason;
    return ended instanceof TransportError && ended !== this.#closedReason
      ? new TransportError(`${this.description} is not open: ${ended.message}`, { cause: ended })
      : new TransportError(`${this.description} is not open`);
  }

  #shutdown(err: Error | undefined): void {
    if (!this.#open) return;
    this.#open = false;
    this.#unlisten?.();
    this.#unlisten = undefined;
    this.#closedReason = new TransportError(`${this.description} closed`);
    this.#life.abort(err ?? this.#closedReason);
    this.#in?.clear();
    this.#disconnectListeners.emit(err);
  }

  onEvent(listener: (event: PtpEvent) => void): () => void {
    return this.#eventListeners.add(listener);
  }

  onDisconnect(listener: DisconnectListener): () => void {
    return this.#disconnectListeners.add(listener);
  }

  // ------------------------------------------------------------ transactions

  async transaction(request: OperationRequest, phases: TransactionPhases = {}): Promise<OperationResponse> {
    if (!this.#open) throw this.#notOpen();
    if (this.#busy) throw new TransportError('a transaction is already in progress');
    this.#busy = true;
    const { signal } = phases;
    try {
      if (signal?.aborted === true) throw signal.reason;
      return await this.#run(request, phases);
    } catch (err) {
      throw await this.#recoverFrom(err, request, signal);
    } finally {
      this.#busy = false;
    }
  }

  /** Turns a failure into the error to reject with, resynchronising the link on the way. */
  async #recoverFrom(err: unknown, request: OperationRequest, signal: AbortSignal | undefined): Promise<unknown> {
    if (!this.#open) return this.#life.signal.reason as unknown;
    if (isDeviceGone(err)) {
      const gone = new TransportError(`${this.description} was disconnected (${message(err)})`, { cause: err });
      this.#shutdown(gone);
      return gone;
    }
    const aborted = signal?.aborted === true;
    const reason: unknown = aborted ? signal.reason : err;
    try {
      // A stall means the device ended the transaction, if its status says so; otherwise tell it to stop.
      const stalled = err instanceof StallError && !aborted;
      await this.#resync(stalled ? undefined : request.transactionId, err instanceof StallError ? err.direction : undefined, stalled ? request.transactionId : undefined);
    } catch (e) {
      if (isDeviceGone(e)) {
        const gone = new TransportError(`${this.description} was disconnected (${message(e)})`, { cause: e });
        this.#shutdown(gone);
        return aborted ? reason : gone;
      }
      // The device does not answer on the control pipe either: report the original failure.
    }
    if (!this.#open) return this.#life.signal.reason as unknown;
    return reason;
  }

  async #run(request: OperationRequest, phases: TransactionPhases): Promise<OperationResponse> {
    const what = this.#what(request);
    const { signal } = phases;
    await this.#write(
      encodeContainer({ type: ContainerType.Command, code: request.code, transactionId: request.transactionId, params: request.params }),
      `${what}: command`, signal,
    );
    if (phases.dataOut !== undefined) await this.#sendData(request, phases.dataOut, phases, what);

    for (;;) {
      let { bytes, short } = await this.#readContainerStart(`${what}: ${phases.dataIn !== undefined ? 'data or response' : 'response'}`, signal);
      let header = decodeContainerHeader(bytes);
      if (header.type === ContainerType.Data) {
        const stale = header.transactionId !== request.transactionId && this.#cancelled.has(header.transactionId);
        if (header.transactionId !== request.transactionId && !stale) {
          throw new ProtocolError(`data container for transaction ${header.transactionId} during ${what}`, { field: 'Container.transactionId', offset: 8 });
        }
        await this.#receiveData(header, bytes, short, stale ? undefined : phases.dataIn, stale ? {} : phases, what);
        if (stale) continue;
        ({ bytes } = await this.#readContainerStart(`${what}: response`, signal));
        header = decodeContainerHeader(bytes);
      }
      if (header.type !== ContainerType.Response) {
        throw new ProtocolError(`expected a response container during ${what}, got type ${header.type}`, { field: 'Container.type', offset: 4 });
      }
      // 12 + 0..5 parameters; bytes after the last whole parameter are ignored (uMTP-Responder 1.3
      // answers OpenSession with SessionAlreadyOpen in a 13-byte container: its parameter's size counted as 1).
      if (header.length > CONTAINER_HEADER_SIZE + 5 * 4 + 3) {
        throw new ProtocolError(`response container length ${header.length} is not 12 + 0..5 parameters`, { field: 'Container.length', offset: 0 });
      }
      const whole = await this.#readRest(bytes, header.length, `${what}: response`, signal);
      if (header.transactionId !== request.transactionId) {
        // The late response of a transaction we cancelled: skip it.
        if (this.#cancelled.delete(header.transactionId)) continue;
        throw new ProtocolError(`response for transaction ${header.transactionId} during ${what}`, { field: 'Container.transactionId', offset: 8 });
      }
      const view = new DataView(whole.buffer, whole.byteOffset, whole.byteLength);
      const params: number[] = [];
      for (let at = CONTAINER_HEADER_SIZE; at + 4 <= header.length; at += 4) params.push(view.getUint32(at, true));
      return { code: header.code, transactionId: header.transactionId, params };
    }
  }

  // ------------------------------------------------------------ data out

  async #sendData(request: OperationRequest, source: DataSource, phases: TransactionPhases, what: string): Promise<void> {
    const { signal, onProgress } = phases;
    const outMps = this.endpoints!.bulkOut.packetSize;
    const size = roundUp(this.transferSize, outMps);
    const total = dataSourceLength(source);
    const containerLength = BigInt(CONTAINER_HEADER_SIZE) + total;
    // One transfer in flight, from one staging buffer: memory stays at transferSize whatever the
    // object's size, and an abort or stall leaves nothing queued behind it (see the README's design notes).
    const staging = new Uint8Array(Number(containerLength < BigInt(size) ? containerLength : BigInt(size)));
    staging.set(encodeDataHeader(request.code, request.transactionId, total), 0);
    let filled = CONTAINER_HEADER_SIZE;
    let given = 0n;
    let sent = 0n;
    const flush = async (): Promise<void> => {
      await this.#write(staging.subarray(0, filled), `${what}: data`, signal);
      sent += BigInt(filled);
      filled = 0;
      const payload = sent - BigInt(CONTAINER_HEADER_SIZE);
      if (payload > 0n) onProgress?.(payload, total);
    };
    for await (const chunk of dataSourceChunks(source)) {
      given += BigInt(chunk.length);
      if (given > total) throw new ProtocolError(`data source gave more than the ${total} byte(s) it announced`, { field: 'Container.length' });
      let at = 0;
      while (at < chunk.length) {
        if (signal?.aborted === true) throw signal.reason;
        if (filled === staging.length) await flush();
        const n = Math.min(chunk.length - at, staging.length - filled);
        staging.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
      }
    }
    if (given !== total) throw new ProtocolError(`data source gave ${given} byte(s) but announced ${total}`, { field: 'Container.length' });
    if (filled > 0) await flush();
    // A container that fills its last packet ends with a zero-length packet.
    if (containerLength % BigInt(outMps) === 0n) await this.#write(new Uint8Array(0), `${what}: data (zero-length packet)`, signal);
  }

  /**
   * One bulk OUT transfer. WebUSB cannot cancel a transfer, so after an abort
   * this still waits for it to end (within the cancel budget) before the
   * caller sends Cancel: otherwise bytes of the cancelled transaction could
   * reach the device after the Cancel, and be taken for the next command.
   */
  async #write(bytes: Uint8Array, what: string, signal: AbortSignal | undefined): Promise<void> {
    const eps = this.endpoints!;
    const transfer = this.device.transferOut(eps.bulkOut.endpointNumber, bytes as Uint8Array<ArrayBuffer>);
    let r: USBOutTransferResult;
    try {
      r = await this.#wait(transfer, what, signal, this.timeoutMs);
    } catch (err) {
      if (isAborted(signal)) await this.#wait(transfer, what, undefined, this.cancelTimeoutMs).catch(() => undefined);
      throw err;
    }
    if (r.status === 'stall') throw new StallError('out', what);
    if (r.bytesWritten !== bytes.length) throw new TransportError(`${what}: the device took ${r.bytesWritten} of ${bytes.length} byte(s)`);
  }

  // ------------------------------------------------------------ data in

  /** Size of a bulk IN transfer: the configured size, a multiple of the max packet size. */
  get #inSize(): number {
    return roundUp(this.transferSize, this.endpoints!.bulkIn.packetSize);
  }

  /** One transfer's bytes; throws on stall and failure. Zero-length results are returned as such. */
  async #readTransfer(length: number, what: string, signal: AbortSignal | undefined): Promise<{ data: Uint8Array; short: boolean }> {
    const outcome: InOutcome = await this.#in!.next(length, (p) => this.#wait(p, what, signal, this.timeoutMs));
    if (!outcome.ok) {
      throw new TransportError(`${what} failed on ${this.description}: ${message(outcome.error)}`, { cause: outcome.error });
    }
    if (outcome.status === 'stall') throw new StallError('in', what);
    if (outcome.status === 'babble') throw new TransportError(`${what}: the device sent more than the ${outcome.requested} byte(s) asked for (babble)`);
    return { data: outcome.data, short: outcome.data.length < outcome.requested };
  }

  /**
   * At least a container header: the bytes left over from the last transfer,
   * else new transfers. Zero-length packets before a container (the ZLP that
   * ends a packet-aligned data phase) are swallowed.
   */
  async #readContainerStart(what: string, signal: AbortSignal | undefined): Promise<{ bytes: Uint8Array; short: boolean }> {
    let bytes = this.#leftover;
    this.#leftover = new Uint8Array(0);
    let short = true;
    while (bytes.length < CONTAINER_HEADER_SIZE) {
      const r = await this.#readTransfer(this.#inSize, what, signal);
      if (r.data.length === 0) continue;
      bytes = bytes.length === 0 ? r.data : concat(bytes, r.data);
      short = r.short;
    }
    return { bytes, short };
  }

  /** The whole of a small container that starts with `bytes`; the rest stays for the next read. */
  async #readRest(bytes: Uint8Array, length: number, what: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
    while (bytes.length < length) {
      const r = await this.#readTransfer(this.#inSize, what, signal);
      bytes = concat(bytes, r.data);
    }
    if (bytes.length > length) this.#leftover = bytes.slice(length);
    return bytes.subarray(0, length);
  }

  async #receiveData(
    header: ContainerHeader,
    first: Uint8Array,
    firstShort: boolean,
    sink: DataSink | undefined,
    phases: Pick<TransactionPhases, 'onProgress' | 'signal'>,
    what: string,
  ): Promise<void> {
    const { signal, onProgress } = phases;
    const known = header.length !== CONTAINER_LENGTH_UNKNOWN;
    const total = known ? BigInt(header.length - CONTAINER_HEADER_SIZE) : undefined;
    await sink?.start?.(total);
    let received = 0n;
    const deliver = async (chunk: Uint8Array): Promise<void> => {
      if (chunk.length === 0) return;
      received += BigInt(chunk.length);
      if (sink !== undefined) await sink.write(chunk);
      onProgress?.(received, total);
    };
    const size = this.#inSize;
    const inQueue = this.#in!;
    const phase = `${what}: data`;

    if (!known) {
      // Over 4 GiB: the phase ends with a short packet. One transfer at a time, so none reads past it.
      await deliver(first.subarray(CONTAINER_HEADER_SIZE));
      let short = firstShort;
      while (!short) {
        const r = await this.#readTransfer(size, phase, signal);
        short = r.short;
        await deliver(r.data);
      }
      return;
    }

    const payloadEnd = header.length;
    await deliver(first.subarray(CONTAINER_HEADER_SIZE, payloadEnd));
    if (first.length > payloadEnd) this.#leftover = first.slice(payloadEnd);
    let remaining = total! - received;
    while (remaining > 0n) {
      // Keep transfers in flight, but never one that would start beyond the end of the phase:
      // it would take the response, or hang until the next transaction.
      while (inQueue.inFlight < this.concurrentTransfers && BigInt(inQueue.requestedBytes) < remaining) {
        const want = remaining - BigInt(inQueue.requestedBytes);
        // The last transfer asks one packet more when the tail is packet-aligned, so the ZLP (or a glued response) lands in it.
        inQueue.submit(want > BigInt(size) ? size : roundUp(Number(want) + 1, this.endpoints!.bulkIn.packetSize));
      }
      const r = await this.#readTransfer(size, phase, signal);
      const take = BigInt(r.data.length) > remaining ? Number(remaining) : r.data.length;
      if (take < r.data.length) this.#leftover = r.data.slice(take);
      await deliver(take === r.data.length ? r.data : r.data.subarray(0, take));
      remaining = total! - received;
      if (signal?.aborted === true) throw signal.reason;
    }
  }

  // ------------------------------------------------------------ waits

  /** Races `p` with the transaction's signal, the per-transfer timeout and the link's end. */
  #wait<T>(p: Promise<T>, what: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<T> {
    const life = this.#life.signal;
    if (life.aborted) return Promise.reject(life.reason as Error);
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        life.removeEventListener('abort', onEnd);
      };
      const onAbort = (): void => {
        done();
        reject(signal!.reason);
      };
      const onEnd = (): void => {
        done();
        reject(life.reason);
      };
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          done();
          reject(new TimeoutError(`${this.description} stopped answering: ${what} got nothing for ${timeoutMs} ms`, timeoutMs));
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      life.addEventListener('abort', onEnd, { once: true });
      p.then(
        (v) => {
          done();
          resolve(v);
        },
        (e: unknown) => {
          done();
          // A rejected transfer or control request: the link failed (the cause says how).
          reject(e instanceof TransportError ? e : new TransportError(`${what} failed on ${this.description}: ${message(e)}`, { cause: e }));
        },
      );
    });
  }

  #what(request: OperationRequest): string {
    return `${this.#names.name('operation', request.code) ?? this.#names.describe('operation', request.code)} (transaction ${request.transactionId})`;
  }

  // ------------------------------------------------------------ class requests

  async cancel(transactionId: number): Promise<void> {
    if (!this.#open) return;
    await this.#resync(transactionId, undefined);
  }

  /**
   * Brings the device back in step: Cancel (when `transactionId` is given),
   * Get Device Status until OK, clear halts, drop the bytes of the old transaction.
   * `cancelIfSilent`: after a stall, the transaction to cancel when the device
   * does not implement Get Device Status, so nothing says it ended the
   * transaction (QEMU's usb-mtp stalls the zero-length packet after a
   * packet-aligned SendObject, keeps waiting for data, and takes the next
   * command for more of it unless cancelled).
   */
  async #resync(transactionId: number | undefined, stalled: USBDirection | undefined, cancelIfSilent?: number): Promise<void> {
    const eps = this.endpoints!;
    const control = Math.min(this.cancelTimeoutMs, this.timeoutMs > 0 ? this.timeoutMs : this.cancelTimeoutMs);
    const sendCancel = async (id: number): Promise<void> => {
      this.#cancelled.add(id);
      await this.#wait(
        this.device.controlTransferOut(classSetup(ClassRequest.Cancel, eps.interfaceNumber), cancelRequestData(id) as Uint8Array<ArrayBuffer>),
        'Cancel request', undefined, control,
      );
    };
    if (transactionId !== undefined) await sendCancel(transactionId);
    const halted = new Set<USBDirection>(stalled !== undefined ? [stalled] : []);
    const deadline = Date.now() + this.cancelTimeoutMs;
    for (let first = true; ; first = false) {
      if (!first) await delay(STATUS_POLL_INTERVAL_MS);
      const status = await this.getDeviceStatus();
      for (const ep of status?.stalledEndpoints ?? []) {
        if (ep === (eps.bulkIn.endpointNumber | 0x80)) halted.add('in');
        if (ep === eps.bulkOut.endpointNumber) halted.add('out');
      }
      for (const direction of halted) {
        const endpointNumber = direction === 'in' ? eps.bulkIn.endpointNumber : eps.bulkOut.endpointNumber;
        await this.#wait(this.device.clearHalt(direction, endpointNumber), `clear halt (${direction})`, undefined, control);
      }
      halted.clear();
      if (status === undefined && cancelIfSilent !== undefined) {
        transactionId = cancelIfSilent;
        cancelIfSilent = undefined;
        await sendCancel(transactionId);
        continue;
      }
      // A device that does not implement Get Device Status (stalls it) has nothing more to say.
      if (status === undefined || status.code === OK) break;
      if (status.code !== DEVICE_BUSY && status.stalledEndpoints.length === 0 && transactionId === undefined) break;
      if (Date.now() >= deadline) {
        throw new TimeoutError(`${this.description} still reports status 0x${status.code.toString(16)} ${this.cancelTimeoutMs} ms after the cancel`, this.cancelTimeoutMs);
      }
    }
    // Whatever already arrived belongs to the cancelled transaction.
    this.#in?.dropSettled();
    this.#leftover = new Uint8Array(0);
  }

  /**
   * Get Device Status (class request 0x67), or undefined when the device
   * stalls it. A TransportError when the transport is not open.
   */
  async getDeviceStatus(): Promise<DeviceStatus | undefined> {
    const eps = this.#openEndpoints();
    const timeout = Math.min(this.cancelTimeoutMs, this.timeoutMs > 0 ? this.timeoutMs : this.cancelTimeoutMs);
    const r = await this.#wait(
      this.device.controlTransferIn(classSetup(ClassRequest.GetDeviceStatus, eps.interfaceNumber), 32),
      'Get Device Status', undefined, timeout,
    );
    return r.status === 'ok' ? decodeDeviceStatus(r.data) : undefined;
  }

  /** Device Reset (class request 0x66): the device closes its session and returns to idle. */
  async reset(): Promise<void> {
    if (!this.#open) throw this.#notOpen();
    const eps = this.endpoints!;
    try {
      await this.#wait(
        this.device.controlTransferOut(classSetup(ClassRequest.DeviceReset, eps.interfaceNumber)),
        'Device Reset request', undefined, this.cancelTimeoutMs,
      );
      this.#in?.dropSettled();
      this.#leftover = new Uint8Array(0);
    } catch (err) {
      if (isDeviceGone(err)) this.#shutdown(new TransportError(`${this.description} was disconnected (${message(err)})`, { cause: err }));
      throw err instanceof TransportError || err instanceof TimeoutError ? err : new TransportError(`Device Reset failed: ${message(err)}`, { cause: err });
    }
  }

  // ------------------------------------------------------------ events

  /**
   * Reads the interrupt endpoint while open, one packet per transfer, and
   * delivers event containers. A container longer than the packets that came
   * waits for its rest at most {@link EVENT_FOLLOW_ON_MS}, and only until a
   * packet that starts another event: then the device is taken to keep the
   * rest for Get Extended Event Data, so a truncated container never swallows
   * the events after it.
   */
  async #pollEvents(): Promise<void> {
    const ep = this.endpoints?.interruptIn;
    if (ep === undefined) return;
    const life = this.#life.signal;
    /** The start of an event container whose rest has not come. */
    let partial: Uint8Array | undefined;
    /** The transfer in flight; it outlives a follow-on timeout, since WebUSB cannot cancel it and its packet may still come. */
    let pending: Promise<USBInTransferResult> | undefined;
    let failures = 0;
    while (!life.aborted) {
      pending ??= this.#wait(this.device.transferIn(ep.endpointNumber, ep.packetSize), 'event poll', undefined, 0);
      let r: USBInTransferResult | undefined;
      try {
        r = partial === undefined ? await pending : await settledWithin(pending, EVENT_FOLLOW_ON_MS);
      } catch (err) {
        pending = undefined;
        partial = undefined;
        if (life.aborted) return;
        if (isDeviceGone(err)) {
          this.#shutdown(new TransportError(`${this.description} was disconnected (${message(err)})`, { cause: err }));
          return;
        }
        // Transient: back off, and give up on events (not the link) if it keeps failing.
        if (++failures > 5) return;
        await delay(100 * failures);
        continue;
      }
      if (r === undefined) {
        // Nothing more came in time: the rest waits on the control pipe.
        await this.#endEvent(partial!);
        partial = undefined;
        continue;
      }
      pending = undefined;
      if (r.status === 'stall') {
        await this.device.clearHalt('in', ep.endpointNumber).catch(() => undefined);
        partial = undefined;
        continue;
      }
      failures = 0;
      const data = r.data === undefined ? new Uint8Array(0) : new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
      if (partial !== undefined && startsEventContainer(data)) {
        // Another event began: the device will not send the old one's rest on this pipe.
        await this.#endEvent(partial);
        partial = undefined;
      }
      const rest = await this.#deliverEvents(partial === undefined ? data.slice() : concat(partial, data), data.length < ep.packetSize);
      partial = rest.length > 0 ? rest : undefined;
    }
  }

  /**
   * Delivers the whole event containers at the start of `bytes`; returns the
   * start of an unfinished one (or garbage too short to judge). `ended`: the
   * last packet was short, so the device has sent all it will for now. An event
   * container longer than what came (more than three parameters, or parameters
   * that are not UINT32) is completed with Get Extended Event Data once the
   * device stops sending.
   */
  async #deliverEvents(bytes: Uint8Array, ended: boolean): Promise<Uint8Array> {
    while (bytes.length >= CONTAINER_HEADER_SIZE) {
      let header: ContainerHeader;
      try {
        header = decodeContainerHeader(bytes);
      } catch {
        return new Uint8Array(0); // garbage: resynchronise on the next packet
      }
      if (header.type !== ContainerType.Event || header.length > EVENT_CONTAINER_LIMIT) return new Uint8Array(0);
      if (bytes.length < header.length) {
        // More packets may follow (a long container sent whole on the interrupt pipe).
        if (!ended) return bytes;
        this.#emitEvent(header.length > EVENT_CONTAINER_MAX ? await this.#extendEvent(bytes) : eventFrom(header, bytes));
        return new Uint8Array(0);
      }
      this.#emitEvent(eventFrom(header, bytes.subarray(0, header.length)));
      bytes = bytes.subarray(header.length);
    }
    // Less than a header: the start of one if more packets may follow, else garbage.
    return ended ? new Uint8Array(0) : bytes;
  }

  /** Delivers an event container whose rest will not come on the interrupt pipe (dropped if not even its header came). */
  async #endEvent(partial: Uint8Array): Promise<void> {
    if (partial.length >= CONTAINER_HEADER_SIZE) this.#emitEvent(await this.#extendEvent(partial));
  }

  #emitEvent(event: PtpEvent | undefined): void {
    if (event !== undefined && this.#open) this.#eventListeners.emit(event);
  }

  /**
   * The event a truncated container (`partial`, at least its header)
   * announced, with the parameters Get Extended Event Data gives; the
   * parameters that did arrive when the device does not answer it. Undefined
   * if the link ended meanwhile.
   */
  async #extendEvent(partial: Uint8Array): Promise<PtpEvent | undefined> {
    const header = decodeContainerHeader(partial);
    const fallback = eventFrom(header, partial);
    // 8 bytes, then a UINT16 size and the value per parameter: 6 per UINT32 the container announced
    // (at least 512, for parameters wider than that), and no more than one page, the most a control
    // transfer may ask on Linux (usbfs refuses longer ones).
    const announced = Math.ceil((header.length - CONTAINER_HEADER_SIZE) / 4);
    const length = Math.min(EXTENDED_EVENT_DATA_MAX, Math.max(512, 8 + 6 * announced));
    let extended: ExtendedEventData | undefined;
    try {
      extended = await this.getExtendedEventData(length);
    } catch {
      if (this.#life.signal.aborted) return undefined;
    }
    if (extended === undefined || extended.code !== header.code) return fallback;
    // PtpEvent parameters are UINT32: one of another size ends the list (its bytes cannot be told apart).
    const params: number[] = [];
    for (const p of extended.params) {
      if (p.length > 4) break;
      let v = 0;
      for (let i = p.length - 1; i >= 0; i--) v = v * 256 + p[i]!;
      params.push(v);
    }
    return { code: extended.code, transactionId: extended.transactionId, params };
  }

  /**
   * Get Extended Event Data (class request 0x65), asking `length` bytes; or
   * undefined when the device stalls it. A TransportError when the transport
   * is not open.
   */
  async getExtendedEventData(length = 512): Promise<ExtendedEventData | undefined> {
    const eps = this.#openEndpoints();
    const r = await this.#wait(
      this.device.controlTransferIn(classSetup(ClassRequest.GetExtendedEventData, eps.interfaceNumber), length),
      'Get Extended Event Data', undefined, this.cancelTimeoutMs,
    );
    return r.status === 'ok' ? decodeExtendedEventData(r.data) : undefined;
  }
}

/** The event in a container (or the start of one): its whole UINT32 parameters, as far as `bytes` go. */
function eventFrom(header: ContainerHeader, bytes: Uint8Array): PtpEvent {
  return { code: header.code, transactionId: header.transactionId, params: uint32Params(bytes) };
}

/**
 * Whether a packet starts an event container: type 4, a length from a header
 * to {@link EVENT_CONTAINER_LIMIT}, an event code (0x4xxx standard, 0xCxxx
 * vendor). Parameter bytes that happen to look like that are unlikely.
 */
function startsEventContainer(data: Uint8Array): boolean {
  if (data.length < 8) return false;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const length = view.getUint32(0, true);
  return view.getUint16(4, true) === ContainerType.Event && length >= CONTAINER_HEADER_SIZE && length <= EVENT_CONTAINER_LIMIT &&
    (view.getUint16(6, true) & 0x7000) === 0x4000;
}

/** `p`'s value, or undefined if it has not settled within `ms` (the timer is cleared either way). */
function settledWithin<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The UINT32 parameters of an event container (its whole ones, as far as `bytes` go). */
function uint32Params(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const params: number[] = [];
  for (let at = CONTAINER_HEADER_SIZE; at + 4 <= bytes.length; at += 4) params.push(view.getUint32(at, true));
  return params;
}

/** True for the errors WebUSB and node-usb give when the device is gone. */
export function isDeviceGone(err: unknown): boolean {
  if (err instanceof TransportError && err.cause !== undefined) return isDeviceGone(err.cause);
  if (!(err instanceof Error) && !(typeof err === 'object' && err !== null && 'name' in err)) return false;
  const e = err as { name?: unknown; message?: unknown };
  if (e.name === 'NotFoundError') return true;
  return typeof e.message === 'string' && /NO_DEVICE|device (was )?disconnected|no such device/i.test(e.message);
}

/** Reads `aborted` afresh (defeats narrowing from an earlier check). */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function roundUp(n: number, multiple: number): number {
  return Math.max(multiple, Math.ceil(n / multiple) * multiple);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
