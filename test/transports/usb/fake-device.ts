/**
 * A scripted fake WebUSB `USBDevice` for the USB transport's tests. It keeps
 * packet-level truth: IN data is queued as packets of the endpoint's max
 * packet size, and a `transferIn(length)` completes, like a real host
 * controller's, when it has `length` bytes or takes a short packet (a
 * zero-length packet included) — never with more than asked. Every call is
 * recorded, and faults can be injected: stalls, disconnects, silence.
 */
import { decodeContainerHeader } from '../../../src/core/container.js';

export type FakeCall =
  | { readonly op: 'open' | 'close' | 'reset' }
  | { readonly op: 'selectConfiguration'; readonly value: number }
  | { readonly op: 'claimInterface' | 'releaseInterface'; readonly iface: number }
  | { readonly op: 'transferIn'; readonly ep: number; readonly length: number }
  | { readonly op: 'transferOut'; readonly ep: number; readonly length: number; readonly data: Uint8Array }
  | { readonly op: 'controlTransferOut'; readonly setup: USBControlTransferParameters; readonly data: Uint8Array | undefined }
  | { readonly op: 'controlTransferIn'; readonly setup: USBControlTransferParameters; readonly length: number }
  | { readonly op: 'clearHalt'; readonly direction: USBDirection; readonly ep: number };

export interface FakeDeviceOptions {
  /** Bulk max packet size. Default 512 (high speed). */
  readonly packetSize?: number;
  readonly interruptPacketSize?: number;
  /** Whether a configuration is already selected. Default true. */
  readonly configured?: boolean;
  /** Present the interface as MTP vendor class 0xFF named "MTP" instead of 6/1/1. */
  readonly mtpVendorInterface?: boolean;
  /** Present the interface as vendor class 0xFF with no name (MTP only by its Microsoft OS descriptor, if any). */
  readonly unnamedVendorInterface?: boolean;
  /** Leave out the interrupt IN endpoint. */
  readonly noInterruptEndpoint?: boolean;
  /** Add a fourth endpoint (a second bulk IN) to the interface. */
  readonly extraEndpoint?: boolean;
  /**
   * Answer the Microsoft OS string descriptor (0xEE) with this vendor code, and
   * that vendor request (wIndex 4) with these compatible IDs.
   */
  readonly msOs?: { readonly vendorCode: number; readonly compatIds: ReadonlyArray<{ readonly iface: number; readonly id: string }> };
  readonly interfaceNumber?: number;
  /** Make open() / claimInterface() fail with this error, as libusb would. */
  readonly openError?: Error;
  readonly claimError?: Error;
  /** bDeviceClass. Default 0 (defined per interface). */
  readonly deviceClass?: number;
  /**
   * Look like node-usb 2's WebUSBDevice, whose private `device` field is the libusb device,
   * with a kernel driver bound to every interface (true) or none (false).
   */
  readonly kernelDriverActive?: boolean;
}

export const BULK_IN = 1;
export const BULK_OUT = 2;
export const INTERRUPT_IN = 3;

interface Waiter {
  readonly length: number;
  readonly parts: Uint8Array[];
  got: number;
  resolve(r: USBInTransferResult): void;
  reject(e: unknown): void;
}

/** One IN endpoint: queued packets and waiting transfers. */
class InEndpoint {
  readonly packets: Uint8Array[] = [];
  readonly waiters: Waiter[] = [];
  /** Stall the next transfer, then stay halted until clearHalt. */
  stallNext = false;
  halted = false;
  /** Most transfers ever waiting at once. */
  maxInFlight = 0;

  constructor(readonly packetSize: number) {}

  /** Queues `bytes` as packets; a run that fills its last packet gets a ZLP unless `zlp` is false. */
  queue(bytes: Uint8Array, zlp = true): void {
    for (let at = 0; at < bytes.length; at += this.packetSize) this.packets.push(bytes.slice(at, at + this.packetSize));
    if (zlp && bytes.length % this.packetSize === 0) this.packets.push(new Uint8Array(0));
    this.pump();
  }

  transfer(length: number): Promise<USBInTransferResult> {
    if (this.stallNext || this.halted) {
      this.stallNext = false;
      this.halted = true;
      return Promise.resolve({ status: 'stall' } as USBInTransferResult);
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ length, parts: [], got: 0, resolve, reject });
      this.maxInFlight = Math.max(this.maxInFlight, this.waiters.length);
      this.pump();
    });
  }

  pump(): void {
    for (;;) {
      const w = this.waiters[0];
      const p = this.packets[0];
      if (w === undefined || p === undefined) return;
      if (w.got + p.length > w.length) {
        // The host asked for less than a packet: babble, as on real hardware.
        this.packets.shift();
        this.waiters.shift();
        w.resolve({ status: 'babble', data: dataView(concat(w.parts)) } as USBInTransferResult);
        continue;
      }
      this.packets.shift();
      w.parts.push(p);
      w.got += p.length;
      if (p.length < this.packetSize || w.got === w.length) {
        this.waiters.shift();
        w.resolve({ status: 'ok', data: dataView(concat(w.parts)) } as USBInTransferResult);
      }
    }
  }

  failAll(err: unknown): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

/** The scripted device. Pass it as `fake as unknown as USBDevice` (see {@link FakeUsbDevice.asDevice}). */
export class FakeUsbDevice {
  readonly vendorId = 0x1234;
  readonly productId = 0x5678;
  readonly serialNumber = 'FAKE0001';
  readonly productName = 'Fake Camera';
  readonly deviceClass: number;
  readonly calls: FakeCall[] = [];
  readonly bulkIn: InEndpoint;
  readonly interruptIn: InEndpoint;
  readonly packetSize: number;
  opened = false;
  configuration: USBConfiguration | null;
  readonly configurations: USBConfiguration[];
  /** Get Device Status answers, in order; when empty, OK. */
  readonly statusReplies: number[] = [];
  /** Stall the next bulk OUT transfer. */
  stallNextOut = false;
  /** Stall the bulk OUT transfer with this number (1 = the first since the device was made). */
  stallOutNumber: number | undefined;
  #outCount = 0;
  /** Get Device Status (0x67) stalls, as on devices that do not implement it (QEMU's usb-mtp). */
  stallStatus = false;
  /** Bulk OUT transfers that never complete (a hung device). */
  hangOut = false;
  /** How long a bulk OUT transfer takes to complete, in ms (0: at once). */
  outLatencyMs = 0;
  /** Bulk OUT transfers submitted and not yet complete. */
  outInFlight = 0;
  /** Most bulk OUT transfers ever in flight at once. */
  maxOutInFlight = 0;
  /** Answer of Get Extended Event Data (0x65); the request stalls while undefined. */
  extendedEventData: Uint8Array | undefined;
  /** Called with each whole container written to the bulk OUT endpoint. */
  onContainer: ((bytes: Uint8Array) => void) | undefined;
  /** Called when the host sends Cancel (0x64). */
  onCancel: ((transactionId: number) => void) | undefined;
  /** While set, control IN requests wait for it (to hold a probe in the middle). */
  holdControlIn: Promise<void> | undefined;
  #gone = false;
  #outBuffer: Uint8Array[] = [];
  #outLength = 0;
  #outExpected: number | undefined;

  readonly options: FakeDeviceOptions;

  constructor(options: FakeDeviceOptions = {}) {
    this.options = options;
    this.deviceClass = options.deviceClass ?? 0;
    if (options.kernelDriverActive !== undefined) {
      const active = options.kernelDriverActive;
      Object.assign(this, { device: { interface: () => ({ isKernelDriverActive: () => active }) } });
    }
    this.packetSize = options.packetSize ?? 512;
    this.bulkIn = new InEndpoint(this.packetSize);
    this.interruptIn = new InEndpoint(options.interruptPacketSize ?? 64);
    const vendor = options.mtpVendorInterface === true || options.unnamedVendorInterface === true;
    const alt = {
      alternateSetting: 0,
      interfaceClass: vendor ? 0xff : 6,
      interfaceSubclass: vendor ? 0xff : 1,
      interfaceProtocol: vendor ? 0 : 1,
      interfaceName: options.mtpVendorInterface === true ? 'MTP' : options.unnamedVendorInterface === true ? '' : null,
      endpoints: [
        { endpointNumber: BULK_IN, direction: 'in', type: 'bulk', packetSize: this.packetSize },
        { endpointNumber: BULK_OUT, direction: 'out', type: 'bulk', packetSize: this.packetSize },
        ...(options.noInterruptEndpoint === true
          ? []
          : [{ endpointNumber: INTERRUPT_IN, direction: 'in', type: 'interrupt', packetSize: this.interruptIn.packetSize }]),
        ...(options.extraEndpoint === true ? [{ endpointNumber: 4, direction: 'in', type: 'bulk', packetSize: this.packetSize }] : []),
      ],
    } as unknown as USBAlternateInterface;
    const iface = { interfaceNumber: options.interfaceNumber ?? 0, alternate: alt, alternates: [alt], claimed: false } as unknown as USBInterface;
    const config = { configurationValue: 1, configurationName: null, interfaces: [iface] } as unknown as USBConfiguration;
    this.configurations = [config];
    this.configuration = options.configured === false ? null : config;
  }

  get asDevice(): USBDevice {
    return this as unknown as USBDevice;
  }

  // ---------------------------------------------------------------- script

  /** Queues whole containers on bulk IN, each its own packet run (ZLP after an aligned one). */
  respond(...containers: Uint8Array[]): void {
    for (const c of containers) this.bulkIn.queue(c);
  }

  /** Queues bytes as one packet run: e.g. data and response glued together. */
  respondRaw(bytes: Uint8Array, zlp = true): void {
    this.bulkIn.queue(bytes, zlp);
  }

  /** Queues exact packets (a short first packet holding only a header, ...). */
  respondPackets(...packets: Uint8Array[]): void {
    this.bulkIn.packets.push(...packets);
    this.bulkIn.pump();
  }

  /** Queues an event container on the interrupt endpoint. */
  event(container: Uint8Array): void {
    this.interruptIn.queue(container, false);
  }

  /** The device goes away: every pending and later transfer rejects with NotFoundError. */
  disconnect(): void {
    this.#gone = true;
    const err = gone();
    this.bulkIn.failAll(err);
    this.interruptIn.failAll(err);
  }

  /** Bulk OUT transfers (commands, data, ZLPs) in order. */
  get outTransfers(): Uint8Array[] {
    return this.calls.flatMap((c) => (c.op === 'transferOut' ? [c.data] : []));
  }

  /** Lengths asked for by bulk IN transfers, in order. */
  get inRequests(): number[] {
    return this.calls.flatMap((c) => (c.op === 'transferIn' && c.ep === BULK_IN ? [c.length] : []));
  }

  // ---------------------------------------------------------------- USBDevice

  async open(): Promise<void> {
    if (this.#gone) throw gone();
    if (this.options.openError !== undefined) throw this.options.openError;
    this.calls.push({ op: 'open' });
    this.opened = true;
  }

  async close(): Promise<void> {
    this.calls.push({ op: 'close' });
    this.opened = false;
    const err = new DOMException('The device was closed.', 'AbortError');
    this.bulkIn.failAll(err);
    this.interruptIn.failAll(err);
  }

  async selectConfiguration(value: number): Promise<void> {
    this.#check();
    this.calls.push({ op: 'selectConfiguration', value });
    this.configuration = this.configurations.find((c) => c.configurationValue === value) ?? null;
  }

  async claimInterface(iface: number): Promise<void> {
    this.#check();
    if (this.options.claimError !== undefined) throw this.options.claimError;
    this.calls.push({ op: 'claimInterface', iface });
  }

  async releaseInterface(iface: number): Promise<void> {
    this.calls.push({ op: 'releaseInterface', iface });
    const err = new DOMException('The interface was released.', 'AbortError');
    this.bulkIn.failAll(err);
    this.interruptIn.failAll(err);
  }

  async selectAlternateInterface(): Promise<void> {
    this.#check();
  }

  async reset(): Promise<void> {
    this.calls.push({ op: 'reset' });
  }

  async transferIn(ep: number, length: number): Promise<USBInTransferResult> {
    this.calls.push({ op: 'transferIn', ep, length });
    this.#check();
    if (ep === BULK_IN) return this.bulkIn.transfer(length);
    if (ep === INTERRUPT_IN) return this.interruptIn.transfer(length);
    throw new DOMException(`no IN endpoint ${ep}`, 'NotFoundError');
  }

  async transferOut(ep: number, data: BufferSource): Promise<USBOutTransferResult> {
    const bytes = toBytes(data).slice();
    this.calls.push({ op: 'transferOut', ep, length: bytes.length, data: bytes });
    this.#check();
    if (this.stallNextOut || ++this.#outCount === this.stallOutNumber) {
      this.stallNextOut = false;
      return { status: 'stall', bytesWritten: 0 } as USBOutTransferResult;
    }
    if (this.hangOut) return new Promise(() => undefined);
    this.outInFlight++;
    this.maxOutInFlight = Math.max(this.maxOutInFlight, this.outInFlight);
    if (this.outLatencyMs > 0) await new Promise((r) => setTimeout(r, this.outLatencyMs));
    this.outInFlight--;
    this.#collectOut(bytes);
    return { status: 'ok', bytesWritten: bytes.length } as USBOutTransferResult;
  }

  async controlTransferOut(setup: USBControlTransferParameters, data?: BufferSource): Promise<USBOutTransferResult> {
    const bytes = data === undefined ? undefined : toBytes(data).slice();
    this.calls.push({ op: 'controlTransferOut', setup, data: bytes });
    this.#check();
    if (setup.request === 0x64 && bytes !== undefined && bytes.length === 6) {
      this.onCancel?.(new DataView(bytes.buffer).getUint32(2, true));
    }
    return { status: 'ok', bytesWritten: bytes?.length ?? 0 } as USBOutTransferResult;
  }

  async controlTransferIn(setup: USBControlTransferParameters, length: number): Promise<USBInTransferResult> {
    this.calls.push({ op: 'controlTransferIn', setup, length });
    this.#check();
    if (this.holdControlIn !== undefined) await this.holdControlIn;
    if (setup.request === 0x67 && !this.stallStatus) {
      const code = this.statusReplies.shift() ?? 0x2001;
      const stalled = [...(this.bulkIn.halted ? [0x80 | BULK_IN] : [])];
      const out = new DataView(new ArrayBuffer(4 + 4 * stalled.length));
      out.setUint16(0, out.byteLength, true);
      out.setUint16(2, code, true);
      stalled.forEach((ep, i) => out.setUint32(4 + 4 * i, ep, true));
      return { status: 'ok', data: out } as USBInTransferResult;
    }
    if (setup.requestType === 'class' && setup.request === 0x65 && this.extendedEventData !== undefined) {
      return { status: 'ok', data: dataView(this.extendedEventData.slice(0, length)) } as USBInTransferResult;
    }
    const msOs = this.options.msOs;
    if (msOs !== undefined && setup.requestType === 'standard' && setup.request === 6 && setup.value === 0x03ee) {
      const d = new Uint8Array(18);
      d[0] = 18;
      d[1] = 3;
      [...'MSFT100'].forEach((c, i) => (d[2 + 2 * i] = c.charCodeAt(0)));
      d[16] = msOs.vendorCode;
      return { status: 'ok', data: dataView(d.slice(0, length)) } as USBInTransferResult;
    }
    if (msOs !== undefined && setup.requestType === 'vendor' && setup.request === msOs.vendorCode && setup.index === 4) {
      const d = new Uint8Array(16 + 24 * msOs.compatIds.length);
      const v = new DataView(d.buffer);
      v.setUint32(0, d.length, true);
      v.setUint16(4, 0x0100, true);
      v.setUint16(6, 4, true);
      d[8] = msOs.compatIds.length;
      msOs.compatIds.forEach(({ iface, id }, i) => {
        d[16 + 24 * i] = iface;
        d[17 + 24 * i] = 1;
        [...id].forEach((c, j) => (d[18 + 24 * i + j] = c.charCodeAt(0)));
      });
      return { status: 'ok', data: dataView(d.slice(0, length)) } as USBInTransferResult;
    }
    return { status: 'stall' } as USBInTransferResult;
  }

  async clearHalt(direction: USBDirection, ep: number): Promise<void> {
    this.calls.push({ op: 'clearHalt', direction, ep });
    this.#check();
    if (direction === 'in' && ep === BULK_IN) this.bulkIn.halted = false;
  }

  #check(): void {
    if (this.#gone) throw gone();
    // As WebUSB: transfers need an open handle (one closed under a user fails its next transfer).
    if (!this.opened) throw new DOMException('The device must be opened first.', 'InvalidStateError');
  }

  /** Reassembles bulk OUT transfers into containers for {@link onContainer}. */
  #collectOut(bytes: Uint8Array): void {
    if (bytes.length === 0) return; // ZLP
    this.#outBuffer.push(bytes);
    this.#outLength += bytes.length;
    for (;;) {
      const all = concat(this.#outBuffer);
      if (this.#outExpected === undefined) {
        if (all.length < 12) return;
        this.#outExpected = decodeContainerHeader(all).length;
      }
      if (all.length < this.#outExpected) return;
      const container = all.slice(0, this.#outExpected);
      const rest = all.slice(this.#outExpected);
      this.#outBuffer = rest.length > 0 ? [rest] : [];
      this.#outLength = rest.length;
      this.#outExpected = undefined;
      this.onContainer?.(container);
      if (rest.length === 0) return;
    }
  }
}

function gone(): DOMException {
  return new DOMException('The device was disconnected.', 'NotFoundError');
}

function toBytes(data: BufferSource): Uint8Array {
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
