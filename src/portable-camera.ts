/// <reference lib="esnext.disposable" preserve="true" />
// Camera is AsyncDisposable (`await using`): this gives a user project those types whatever its "lib".
/**
 * `Camera`: the PTPy-style front door. Opens a transport, reads DeviceInfo,
 * picks the vendor extension, and offers a method per standard operation,
 * nested sessions, raw mode and events.
 *
 * This module is the portable class, the one `ptpts/browser` exports: it
 * loads no Node module, and resolves transport strings with the browser's
 * resolver (WebUSB; no PTP/IP). `camera.ts` derives Node's `Camera` from it,
 * which resolves them with Node's (node-usb, PTP/IP) and is what `ptpts`
 * exports. So the class never looks for a resolver at run time: which one
 * applies is fixed by the class the caller imported.
 */
import { EventEmitter } from 'eventemitter3';
import { CodeNames } from './core/codes/names.js';
import { AssociationType, ObjectFormatCode } from './core/codes/formats.js';
import { OperationCode } from './core/codes/operations.js';
import { ResponseCode } from './core/codes/responses.js';
import { dataTypeName, decodeValue, encodeValue, type PtpValue } from './core/codec/datatypes.js';
import { decodeDeviceInfo, type DeviceInfo } from './core/datasets/device-info.js';
import type { DevicePropDesc } from './core/datasets/device-prop-desc.js';
import { decodeObjectHandles, decodeStorageIds } from './core/datasets/id-arrays.js';
import { decodeObjectInfo, encodeObjectInfo, objectInfoFor, type ObjectInfo } from './core/datasets/object-info.js';
import { decodeStorageInfo, type StorageInfo } from './core/datasets/storage-info.js';
import { PtpEngine, type RunOptions } from './core/engine.js';
import { PtpResponseError, SessionError } from './core/errors.js';
import { bufferSink, isNodeWritableLike, webWritableSink, writableSink, type NodeWritableLike } from './core/sinks.js';
import type { DataSink, DataSource, OperationResponse, ProgressListener, PtpEvent, Transport } from './core/transport.js';
import { codeLayers, type Extension } from './extensions/extension.js';
import { decodeDevicePropDescWithQuirks } from './extensions/prop-desc-quirks.js';
import { bestExtension, findExtension, fitExtension, listExtensions } from './extensions/registry.js';
import { resolveBrowserTransport } from './transports/browser-resolve.js';
import type { PtpIpQuirksSelector } from './transports/ptpip/transport.js';
import type { ResolveTransportOptions, TransportSpec } from './transports/spec.js';

/** An event with its name in the active extension's tables (`ObjectAdded`, `0xC1A7` ...). */
export interface CameraEvent extends PtpEvent {
  /** Name of the event code, or `undefined` when no table names it. */
  readonly name: string | undefined;
}

/** Events a {@link Camera} emits. */
export interface CameraEvents {
  /** A device event (ObjectAdded, DevicePropChanged, vendor events ...). */
  event: [event: CameraEvent];
  /** The link went away; `error` is undefined after `close()`. */
  disconnect: [error: Error | undefined];
}

/** Options of {@link Camera.open}. */
export interface CameraOpenOptions<Raw extends boolean = false> {
  /**
   * A Transport, or `'usb'`, `'usb:VID:PID'`, `'ptpip://host[:port]'`.
   * Default: the first USB camera. In Node (`ptpts`) USB goes through node-usb;
   * in a browser (`ptpts/browser`) `'usb'` is the first PTP/MTP device among
   * those the page was granted with `navigator.usb.requestDevice({ filters:
   * PTP_USB_FILTERS })`, and `'ptpip://'` fails (a browser has no TCP).
   */
  readonly transport?: TransportSpec;
  /**
   * Impose an extension by name (`'canon'`) or object instead of detecting it
   * from DeviceInfo. For a `ptpip://` transport it also supplies the PTP/IP
   * quirks and GUID (else they come from an extension whose `ptpip.recognize`
   * accepts the camera's Init Command Ack, if any). An object is used exactly
   * as given; a name gets MTP's code tables beneath it on an MTP device, as
   * detection does.
   */
  readonly extension?: string | Extension;
  /** Return undecoded dataset bytes instead of typed values. */
  readonly raw?: Raw;
  /** Per-call timeout: ms a transaction may go without progress. Default 30000; 0 = none. */
  readonly timeoutMs?: number;
  /** How long a cancelled call may take to let go before the link is closed as hung. Default 5000. */
  readonly cancelGraceMs?: number;
}

/** Options of calls that move data. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Overrides the camera's timeout for this call. */
  readonly timeoutMs?: number;
  readonly onProgress?: ProgressListener;
}

/** Where a download goes: a {@link DataSink}, a Node writable, or a WHATWG WritableStream. */
export type Destination = DataSink | NodeWritableLike | WritableStream<Uint8Array>;

/** Options of downloads that stream into a destination. */
export interface DownloadOptions extends CallOptions {
  readonly to: Destination;
}

/** What the generic {@link Camera.transaction} returns. */
export interface TransactionReply {
  readonly code: number;
  readonly params: readonly number[];
  readonly transactionId: number;
  /** The data phase, when the operation had one and no `to` destination was given. */
  readonly data?: Uint8Array;
}

/** Options of {@link Camera.transaction}. */
export interface TransactionOptions extends CallOptions {
  /** Data to send to the device. */
  readonly data?: DataSource;
  /** Expect a data phase from the device (collected in `data`, or streamed into `to`). */
  readonly receive?: boolean;
  readonly to?: Destination;
  /** Response codes to return instead of throwing. */
  readonly accept?: readonly number[];
}

/** A handle on an open session, for `await using`. */
export interface CameraSession extends AsyncDisposable {
  readonly id: number;
  /** Leaves the session; the device session closes when the last holder leaves. */
  close(): Promise<void>;
}

/** Selects the undecoded bytes in raw mode, else the typed value. */
export type Decoded<T, Raw extends boolean> = Raw extends true ? Uint8Array : T;

/** Filters of GetObjectHandles / GetNumObjects. */
export interface ObjectFilter {
  /** Only objects of this format (0 = any). */
  readonly format?: number;
  /** Only children of this association; `'root'` for the storage root. Default: the whole storage. */
  readonly parent?: number | 'root';
}

/** Where SendObjectInfo put the object. */
export interface SentObjectInfo {
  readonly storageId: number;
  readonly parentHandle: number;
  readonly handle: number;
}

const ALL = 0xffffffff;

/**
 * A PTP/MTP device. Get one with {@link Camera.open}.
 *
 * Every method may be called from anywhere at any time: calls queue and run in
 * order, one transaction at a time.
 */
export class Camera<Raw extends boolean = false> extends EventEmitter<CameraEvents> {
  /** The engine (sessions and transactions), for advanced use. */
  readonly engine: PtpEngine;
  /** The link in use. */
  readonly transport: Transport;
  /** True when created with `raw: true`. */
  readonly raw: Raw;
  #deviceInfo: DeviceInfo;
  #extension: Extension;
  /** What `#extension` was fitted from, to fit again to a new DeviceInfo; undefined for an extension object imposed as is. */
  readonly #unfitted: Extension | undefined;
  #dataTypes = new Map<number, number>();
  #sessionRefs = 0;
  #sessionOpening: Promise<void> | undefined;
  #sessionClosing: Promise<void> = Promise.resolve();
  #closed = false;
  #unsubscribe: Array<() => void> = [];

  /** Use {@link Camera.open}; protected so that Node's `Camera` can derive from the portable one. */
  protected constructor(engine: PtpEngine, raw: Raw, deviceInfo: DeviceInfo, chosen: { extension: Extension; unfitted: Extension | undefined }) {
    super();
    this.engine = engine;
    this.transport = engine.transport;
    this.raw = raw;
    this.#deviceInfo = deviceInfo;
    this.#extension = chosen.extension;
    this.#unfitted = chosen.unfitted;
    engine.codeNames = new CodeNames(codeLayers(chosen.extension));
    this.#unsubscribe.push(
      engine.onEvent((e) => this.emit('event', { ...e, name: engine.codeNames.name('event', e.code) })),
      this.transport.onDisconnect((err) => {
        engine.forgetSession();
        this.#closed = true;
        this.emit('disconnect', err);
      }),
    );
  }

  /**
   * Connects to a device, reads its DeviceInfo and picks its extension.
   * @example
   * const camera = await Camera.open({ transport: 'ptpip://192.168.1.1' });
   */
  static async open<R extends boolean = false>(options: CameraOpenOptions<R> = {}): Promise<Camera<R>> {
    // Known before connecting: an unknown name fails early, and an imposed extension's PTP/IP quirks shape the handshake.
    let imposed: Extension | undefined;
    try {
      imposed = imposedExtension(options.extension);
    } catch (err) {
      // A transport handed in is closed as on any other failure of open().
      if (options.transport !== undefined && typeof options.transport !== 'string') await options.transport.close().catch(() => undefined);
      throw err;
    }
    // The class open() was called on, so that Node's Camera resolves with Node's resolver and builds a
    // Node Camera; this one when called detached (`const { open } = Camera`), as open() always allowed.
    const Class = (this as typeof Camera | undefined) ?? Camera;
    const transport = await Class.resolveTransport(options.transport, transportOptions(imposed));
    try {
      // Inside the try: a transport whose open() fails half-way (one channel up, an interface claimed) is closed too.
      if (!transport.isOpen) await transport.open();
      const engine = new PtpEngine(transport, {
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.cancelGraceMs !== undefined ? { cancelGraceMs: options.cancelGraceMs } : {}),
      });
      const info = await readDeviceInfo(engine);
      return new Class(engine, (options.raw ?? false) as R, info, chooseExtension(imposed, typeof options.extension === 'string', info));
    } catch (err) {
      await transport.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Turns `Camera.open`'s `transport` into a Transport: here with WebUSB
   * (`navigator.usb`) and no PTP/IP; Node's `Camera` overrides it with node-usb
   * and PTP/IP. A Transport instance is used as given.
   */
  protected static resolveTransport(spec: TransportSpec | undefined, options: ResolveTransportOptions): Promise<Transport> {
    return resolveBrowserTransport(spec, options);
  }

  /** DeviceInfo as read when the camera was opened (refreshed by {@link refreshDeviceInfo} and {@link getDeviceInfo}). */
  get deviceInfo(): DeviceInfo {
    return this.#deviceInfo;
  }

  /** The active extension (detected from DeviceInfo unless imposed). */
  get extension(): Extension {
    return this.#extension;
  }

  /** Names of codes for this device (standard plus the extension's). */
  get codeNames(): CodeNames {
    return this.engine.codeNames;
  }

  /** True if DeviceInfo lists the operation. */
  supportsOperation(code: number): boolean {
    return this.#deviceInfo.operationsSupported.includes(code);
  }

  // ---- sessions ----

  /**
   * Runs `fn` inside a session. Nested and concurrent calls share the open
   * session; it closes when the outermost call ends.
   */
  async session<T>(fn: (camera: this) => Promise<T>): Promise<T> {
    const s = await this.openSession();
    let result: T;
    try {
      result = await fn(this);
    } catch (err) {
      // The body's error is the one worth reporting, not a failed close after it.
      await s.close().catch(() => undefined);
      throw err;
    }
    await s.close();
    return result;
  }

  /** Enters a session (opening one if needed). Use with `await using`. */
  async openSession(): Promise<CameraSession> {
    await this.#acquireSession();
    let left = false;
    const close = async (): Promise<void> => {
      if (left) return;
      left = true;
      await this.#releaseSession();
    };
    return { id: this.engine.sessionId, close, [Symbol.asyncDispose]: close };
  }

  async #acquireSession(): Promise<void> {
    if (this.#closed) throw new SessionError('camera is closed');
    this.#sessionRefs++;
    try {
      await this.#sessionClosing;
      this.#sessionOpening ??= this.engine.inSession
        ? Promise.resolve()
        : this.engine.openSession().then(() => this.#afterOpenSession());
      await this.#sessionOpening;
    } catch (err) {
      this.#sessionRefs--;
      this.#sessionOpening = undefined;
      throw err;
    }
  }

  /** The extension's PTP/IP session step; a failed step closes the session again, so the next call retries it. */
  async #afterOpenSession(): Promise<void> {
    const step = this.#extension.ptpip?.afterOpenSession;
    // The steps are what bodies need over Wi-Fi: only on a PTP/IP link (by its kind, so that PTP/IP's Node-only module is never loaded here).
    if (step === undefined || this.transport.kind !== 'ptpip') return;
    try {
      await step(this);
    } catch (err) {
      await this.engine.closeSession().catch(() => undefined);
      const why = err instanceof Error ? err.message : String(err);
      throw new SessionError(
        `the ${this.#extension.name} extension's PTP/IP step after OpenSession failed, so the session was closed again: ${why}`,
        { cause: err },
      );
    }
  }

  async #releaseSession(): Promise<void> {
    this.#sessionRefs--;
    if (this.#sessionRefs > 0) return;
    this.#sessionOpening = undefined;
    if (!this.engine.inSession || !this.transport.isOpen) return;
    const closing = this.engine.closeSession();
    this.#sessionClosing = closing.catch(() => undefined);
    await closing;
  }

  /** Closes the session (if this camera opened one) and the transport. */
  async close(): Promise<void> {
    if (this.transport.isOpen && this.engine.inSession) {
      await this.engine.closeSession({ timeoutMs: 2000 }).catch(() => undefined);
    }
    this.#closed = true;
    await this.transport.close();
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- events ----

  /**
   * Device events as an async iterator. Events are buffered from the moment
   * this is called; iteration ends when the camera closes or `signal` aborts.
   */
  events(options: { readonly signal?: AbortSignal } = {}): AsyncIterableIterator<CameraEvent> {
    const queue: CameraEvent[] = [];
    let wake: (() => void) | undefined;
    let ended = this.#closed || options.signal?.aborted === true;
    const onEvent = (e: CameraEvent): void => {
      queue.push(e);
      wake?.();
    };
    const end = (): void => {
      ended = true;
      wake?.();
    };
    this.on('event', onEvent);
    this.on('disconnect', end);
    options.signal?.addEventListener('abort', end, { once: true });
    const cleanup = (): void => {
      this.off('event', onEvent);
      this.off('disconnect', end);
      options.signal?.removeEventListener('abort', end);
    };
    const iterator: AsyncIterableIterator<CameraEvent> = {
      next: async () => {
        while (queue.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        const value = queue.shift();
        if (value !== undefined) return { value, done: false };
        cleanup();
        return { value: undefined, done: true };
      },
      return: async () => {
        ended = true;
        cleanup();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  // ---- generic ----

  /**
   * Runs any operation. Non-OK responses throw unless listed in `accept`.
   * @example
   * const { data } = await camera.transaction(0x9116, [], { receive: true }); // a vendor op
   */
  async transaction(code: number, params: readonly number[] = [], options: TransactionOptions = {}): Promise<TransactionReply> {
    const collect = options.receive === true && options.to === undefined ? bufferSink() : undefined;
    const sink = options.to !== undefined ? toSink(options.to) : collect;
    const res = await this.engine.run(code, params, {
      ...runOptions(options),
      ...(options.data !== undefined ? { dataOut: options.data } : {}),
      ...(sink !== undefined ? { dataIn: sink } : {}),
      ...(options.accept !== undefined ? { accept: options.accept } : {}),
    });
    releaseSink(sink);
    return {
      code: res.code,
      params: res.params,
      transactionId: res.transactionId,
      ...(collect !== undefined ? { data: collect.bytes() } : {}),
    };
  }

  async #receive(code: number, params: readonly number[], options: CallOptions = {}): Promise<Uint8Array> {
    const sink = bufferSink();
    await this.engine.run(code, params, { ...runOptions(options), dataIn: sink });
    return sink.bytes();
  }

  async #receiveInto(code: number, params: readonly number[], options: DownloadOptions): Promise<bigint> {
    let received = 0n;
    const target = toSink(options.to);
    const counting: DataSink = {
      start: (total) => target.start?.(total),
      write: (chunk) => {
        received += BigInt(chunk.length);
        return target.write(chunk);
      },
    };
    try {
      await this.engine.run(code, params, { ...runOptions(options), dataIn: counting });
    } finally {
      releaseSink(target);
    }
    return received;
  }

  #decoded<T>(bytes: Uint8Array, decode: (b: Uint8Array) => T): Decoded<T, Raw> {
    return (this.raw ? bytes : decode(bytes)) as Decoded<T, Raw>;
  }

  // ---- device ----

  /** GetDeviceInfo. Also refreshes {@link deviceInfo}, as {@link refreshDeviceInfo} does. */
  async getDeviceInfo(options: CallOptions = {}): Promise<Decoded<DeviceInfo, Raw>> {
    const bytes = await this.#receive(OperationCode.GetDeviceInfo, [], options);
    this.#adoptDeviceInfo(decodeDeviceInfo(bytes));
    return (this.raw ? bytes : this.#deviceInfo) as Decoded<DeviceInfo, Raw>;
  }

  /**
   * Reads DeviceInfo again and makes it {@link deviceInfo}, so that
   * {@link supportsOperation} answers from what the device lists now. Some
   * bodies change it with their mode: libgphoto2 reads it again after a
   * PowerShot's InitiateReleaseControl and an EOS M's SetRemoteMode (the Canon
   * API and session step call this there). The extension stays the same; its
   * code tables are fitted to the new DeviceInfo again (MTP's beneath the
   * vendor's if the device now speaks MTP) unless an extension object was
   * imposed, which is used exactly as given. Decoded in raw mode too.
   * @example
   * await camera.refreshDeviceInfo();
   * if (camera.supportsOperation(0x901a)) ...
   */
  async refreshDeviceInfo(options: CallOptions = {}): Promise<DeviceInfo> {
    const bytes = await this.#receive(OperationCode.GetDeviceInfo, [], options);
    this.#adoptDeviceInfo(decodeDeviceInfo(bytes));
    return this.#deviceInfo;
  }

  #adoptDeviceInfo(info: DeviceInfo): void {
    this.#deviceInfo = info;
    if (this.#unfitted === undefined) return;
    const fitted = fitExtension(this.#unfitted, info);
    if (fitted === this.#extension) return;
    this.#extension = fitted;
    this.engine.codeNames = new CodeNames(codeLayers(fitted));
  }

  /** ResetDevice: the device closes the session. */
  async resetDevice(options: CallOptions = {}): Promise<void> {
    await this.engine.run(OperationCode.ResetDevice, [], runOptions(options));
  }

  /** SelfTest (type 0 = default test). */
  async selfTest(type = 0, options: CallOptions = {}): Promise<void> {
    await this.engine.run(OperationCode.SelfTest, [type], runOptions(options));
  }

  /** PowerDown: the device closes the session and may disappear. */
  async powerDown(options: CallOptions = {}): Promise<void> {
    await this.engine.run(OperationCode.PowerDown, [], runOptions(options));
  }

  // ---- storage ----

  /** GetStorageIDs. */
  async getStorageIds(options: CallOptions = {}): Promise<Decoded<number[], Raw>> {
    return this.#decoded(await this.#receive(OperationCode.GetStorageIDs, [], options), decodeStorageIds);
  }

  /** GetStorageInfo. */
  async getStorageInfo(storageId: number, options: CallOptions = {}): Promise<Decoded<StorageInfo, Raw>> {
    return this.#decoded(await this.#receive(OperationCode.GetStorageInfo, [storageId], options), decodeStorageInfo);
  }

  /** FormatStore: erases a storage. `filesystemFormat` 0 lets the device choose. */
  async formatStore(storageId: number, filesystemFormat = 0, options: CallOptions = {}): Promise<void> {
    await this.engine.run(OperationCode.FormatStore, [storageId, filesystemFormat], runOptions(options));
  }

  // ---- objects ----

  /** GetNumObjects in a storage (`0xFFFFFFFF` = all storages). */
  async getNumObjects(storageId = ALL, filter: ObjectFilter = {}, options: CallOptions = {}): Promise<number> {
    const res = await this.engine.run(OperationCode.GetNumObjects, filterParams(storageId, filter), runOptions(options));
    return res.params[0] ?? 0;
  }

  /** GetObjectHandles in a storage (`0xFFFFFFFF` = all storages). */
  async getObjectHandles(storageId = ALL, filter: ObjectFilter = {}, options: CallOptions = {}): Promise<Decoded<number[], Raw>> {
    const bytes = await this.#receive(OperationCode.GetObjectHandles, filterParams(storageId, filter), options);
    return this.#decoded(bytes, decodeObjectHandles);
  }

  /** GetObjectInfo. */
  async getObjectInfo(handle: number, options: CallOptions = {}): Promise<Decoded<ObjectInfo, Raw>> {
    return this.#decoded(await this.#receive(OperationCode.GetObjectInfo, [handle], options), decodeObjectInfo);
  }

  /**
   * GetObject. Without `to`, resolves with the bytes (held in memory); with
   * `to`, streams into it with backpressure and resolves with the byte count.
   */
  getObject(handle: number, options?: CallOptions): Promise<Uint8Array>;
  getObject(handle: number, options: DownloadOptions): Promise<bigint>;
  getObject(handle: number, options: CallOptions | DownloadOptions = {}): Promise<Uint8Array | bigint> {
    return 'to' in options
      ? this.#receiveInto(OperationCode.GetObject, [handle], options)
      : this.#receive(OperationCode.GetObject, [handle], options);
  }

  /** GetThumb, like {@link getObject}. */
  getThumb(handle: number, options?: CallOptions): Promise<Uint8Array>;
  getThumb(handle: number, options: DownloadOptions): Promise<bigint>;
  getThumb(handle: number, options: CallOptions | DownloadOptions = {}): Promise<Uint8Array | bigint> {
    return 'to' in options
      ? this.#receiveInto(OperationCode.GetThumb, [handle], options)
      : this.#receive(OperationCode.GetThumb, [handle], options);
  }

  /** GetPartialObject: up to `maxBytes` from `offset` (32-bit, per PTP). */
  async getPartialObject(handle: number, offset: number, maxBytes: number, options: CallOptions = {}): Promise<Uint8Array> {
    return this.#receive(OperationCode.GetPartialObject, [handle, offset, maxBytes], options);
  }

  /** DeleteObject (`0xFFFFFFFF` = all objects, optionally only of `format`). */
  async deleteObject(handle: number, format = 0, options: CallOptions = {}): Promise<void> {
    await this.engine.run(OperationCode.DeleteObject, [handle, format], runOptions(options));
  }

  /**
   * SendObjectInfo: announces an object; follow with {@link sendObject}.
   * `storageId`/`parent` 0 let the device choose; `parent` `'root'` is the storage root.
   */
  async sendObjectInfo(
    info: ObjectInfo | Uint8Array,
    target: { readonly storageId?: number; readonly parent?: number | 'root' } = {},
    options: CallOptions = {},
  ): Promise<SentObjectInfo> {
    const data = info instanceof Uint8Array ? info : encodeObjectInfo(info);
    const parent = target.parent === 'root' ? ALL : (target.parent ?? 0);
    const res = await this.engine.run(OperationCode.SendObjectInfo, [target.storageId ?? 0, parent], {
      ...runOptions(options),
      dataOut: data,
    });
    return { storageId: res.params[0] ?? 0, parentHandle: res.params[1] ?? 0, handle: res.params[2] ?? 0 };
  }

  /** SendObject: the object's bytes, after {@link sendObjectInfo}. Streams a `{ length, chunks }` source. */
  async sendObject(data: DataSource, options: CallOptions = {}): Promise<void> {
    await this.engine.run(OperationCode.SendObject, [], { ...runOptions(options), dataOut: data });
  }

  /**
   * SendObjectInfo + SendObject in one call: uploads `data` as `filename`.
   * Resolves with where the device put it.
   * @example
   * await camera.uploadObject('notes.txt', new TextEncoder().encode('hello'), { parent: 'root' });
   */
  async uploadObject(
    filename: string,
    data: DataSource,
    target: { readonly storageId?: number; readonly parent?: number | 'root'; readonly info?: Partial<ObjectInfo> } = {},
    options: CallOptions = {},
  ): Promise<SentObjectInfo> {
    const size = data instanceof Uint8Array ? data.length : data.length;
    const placed = await this.sendObjectInfo(objectInfoFor({ ...target.info, filename, size }), target, options);
    await this.sendObject(data, options);
    return placed;
  }

  /**
   * Creates a folder (an Association object: SendObjectInfo with no SendObject).
   * Resolves with where the device put it.
   */
  async createFolder(
    name: string,
    target: { readonly storageId?: number; readonly parent?: number | 'root' } = {},
    options: CallOptions = {},
  ): Promise<SentObjectInfo> {
    const info = objectInfoFor({
      filename: name,
      size: 0,
      objectFormat: ObjectFormatCode.Association,
      associationType: AssociationType.GenericFolder,
    });
    return this.sendObjectInfo(info, target, options);
  }

  /** MoveObject to another storage and/or parent (`parent` 0 or `'root'` = storage root). */
  async moveObject(handle: number, storageId: number, parent: number | 'root' = 'root', options: CallOptions = {}): Promise<void> {
    await this.engine.run(OperationCode.MoveObject, [handle, storageId, parent === 'root' ? 0 : parent], runOptions(options));
  }

  /** CopyObject; resolves with the new object's handle. */
  async copyObject(handle: number, storageId: number, parent: number | 'root' = 'root', options: CallOptions = {}): Promise<number> {
    const res = await this.engine.run(OperationCode.CopyObject, [handle, storageId, parent === 'root' ? 0 : parent], runOptions(options));
    return res.params[0] ?? 0;
  }

  /** SetObjectProtection (see `ProtectionStatus`). */
  async setObjectProtection(handle: number, status: number, options: CallOptions = {}): Promise<void> {
    await this.engine.run(OperationCode.SetObjectProtection, [handle, status], runOptions(options));
  }

  // ---- capture ----

  /**
   * InitiateCapture. Resolves with the transaction ID, which the
   * ObjectAdded / CaptureComplete events that follow carry.
   */
  async initiateCapture(storageId = 0, format = 0, options: CallOptions = {}): Promise<{ transactionId: number }> {
    const res = await this.engine.run(OperationCode.InitiateCapture, [storageId, format], runOptions(options));
    return { transactionId: res.transactionId };
  }

  /** InitiateOpenCapture; end it with {@link terminateOpenCapture} and the returned transaction ID. */
  async initiateOpenCapture(storageId = 0, format = 0, options: CallOptions = {}): Promise<{ transactionId: number }> {
    const res = await this.engine.run(OperationCode.InitiateOpenCapture, [storageId, format], runOptions(options));
    return { transactionId: res.transactionId };
  }

  /** TerminateOpenCapture. A capture that already ended is not an error. */
  async terminateOpenCapture(transactionId: number, options: CallOptions = {}): Promise<void> {
    await this.engine.run(OperationCode.TerminateOpenCapture, [transactionId], {
      ...runOptions(options),
      accept: [ResponseCode.CaptureAlreadyTerminated],
    });
  }

  // ---- properties ----

  /** GetDevicePropDesc. Also teaches the camera the property's datatype. */
  async getDevicePropDesc(code: number, options: CallOptions = {}): Promise<Decoded<DevicePropDesc, Raw>> {
    const bytes = await this.#receive(OperationCode.GetDevicePropDesc, [code], options);
    const desc = this.#decodePropDesc(bytes);
    this.#dataTypes.set(code, desc.dataType);
    return (this.raw ? bytes : desc) as Decoded<DevicePropDesc, Raw>;
  }

  /** A DevicePropDesc read with the active extension's known descriptor defects. */
  #decodePropDesc(bytes: Uint8Array): DevicePropDesc {
    return decodeDevicePropDescWithQuirks(bytes, this.#extension.quirks?.devicePropDesc).desc;
  }

  /** The datatype of a property, asking the device once if needed. */
  async #dataTypeOf(code: number, options: CallOptions): Promise<number> {
    const known = this.#dataTypes.get(code);
    if (known !== undefined) return known;
    const bytes = await this.#receive(OperationCode.GetDevicePropDesc, [code], options);
    const desc = this.#decodePropDesc(bytes);
    this.#dataTypes.set(code, desc.dataType);
    return desc.dataType;
  }

  /** GetDevicePropValue, decoded with the property's datatype (from its descriptor). */
  async getDevicePropValue(code: number, options: CallOptions = {}): Promise<Decoded<PtpValue, Raw>> {
    if (this.raw) return (await this.#receive(OperationCode.GetDevicePropValue, [code], options)) as Decoded<PtpValue, Raw>;
    const dataType = await this.#dataTypeOf(code, options);
    const bytes = await this.#receive(OperationCode.GetDevicePropValue, [code], options);
    return decodeValue(dataType, bytes) as Decoded<PtpValue, Raw>;
  }

  /**
   * SetDevicePropValue. A typed value is encoded with the property's datatype;
   * bytes are sent as they are (and are required in raw mode).
   */
  async setDevicePropValue(code: number, value: PtpValue | Uint8Array, options: CallOptions = {}): Promise<void> {
    let data: Uint8Array;
    if (value instanceof Uint8Array) data = value;
    else if (this.raw) throw new TypeError('raw mode: pass the encoded value as a Uint8Array');
    else {
      const dataType = await this.#dataTypeOf(code, options);
      try {
        data = encodeValue(dataType, value);
      } catch (err) {
        throw new TypeError(
          `${this.codeNames.describe('property', code)} is ${dataTypeName(dataType)}: ${(err as Error).message}`,
        );
      }
    }
    await this.engine.run(OperationCode.SetDevicePropValue, [code], { ...runOptions(options), dataOut: data });
  }

  /** ResetDevicePropValue; `'all'` resets every property. */
  async resetDevicePropValue(code: number | 'all', options: CallOptions = {}): Promise<void> {
    await this.engine.run(OperationCode.ResetDevicePropValue, [code === 'all' ? ALL : code], runOptions(options));
  }

  // ---- streams (PTP 1.1) ----

  /** GetStreamInfo (PTP 1.1): the StreamInfo dataset, undecoded. */
  async getStreamInfo(streamType: number, options: CallOptions = {}): Promise<Uint8Array> {
    return this.#receive(OperationCode.GetStreamInfo, [streamType], options);
  }

  /** GetStream (PTP 1.1): streams the enabled stream into `to` until aborted or ended by the device. */
  async getStream(options: DownloadOptions): Promise<bigint> {
    return this.#receiveInto(OperationCode.GetStream, [], options);
  }
}

async function readDeviceInfo(engine: PtpEngine): Promise<DeviceInfo> {
  const read = async (): Promise<DeviceInfo> => {
    const sink = bufferSink();
    await engine.run(OperationCode.GetDeviceInfo, [], { dataIn: sink });
    return decodeDeviceInfo(sink.bytes());
  };
  try {
    return await read();
  } catch (err) {
    // GetDeviceInfo is valid outside a session, but some devices (uMTP-Responder
    // 1.3.10) answer SessionNotOpen: ask again inside a session, as libgphoto2 does.
    if (!(err instanceof PtpResponseError) || err.responseCode !== ResponseCode.SessionNotOpen) throw err;
    await engine.openSession();
    try {
      return await read();
    } finally {
      await engine.closeSession();
    }
  }
}

/**
 * The camera's extension: an extension object imposed is used exactly as
 * given; one imposed by name, or detected, is fitted to the device (MTP's
 * tables beneath it on an MTP device) and remembered unfitted, to fit again
 * when DeviceInfo changes.
 */
function chooseExtension(
  imposed: Extension | undefined,
  byName: boolean,
  info: DeviceInfo,
): { extension: Extension; unfitted: Extension | undefined } {
  if (imposed !== undefined && !byName) return { extension: imposed, unfitted: undefined };
  const unfitted = imposed ?? bestExtension(info);
  return { extension: fitExtension(unfitted, info), unfitted };
}

/** The extension `wanted` names or is; undefined when none is imposed. */
function imposedExtension(wanted: string | Extension | undefined): Extension | undefined {
  if (wanted === undefined || typeof wanted !== 'string') return wanted;
  const found = findExtension(wanted);
  if (found === undefined) {
    throw new RangeError(
      `unknown extension "${wanted}"; known: ${listExtensions().map((e) => e.name).join(', ')}`,
    );
  }
  return found;
}

/**
 * PTP/IP quirks for a named `ptpip://` transport: the imposed extension's
 * (and the GUID its vendor's app uses), else those of the extension that
 * recognises the responder's Init Command Ack.
 */
function transportOptions(imposed: Extension | undefined): ResolveTransportOptions {
  if (imposed !== undefined) {
    const { connection, guid } = imposed.ptpip ?? {};
    return { ptpip: { ...(connection !== undefined ? { quirks: connection } : {}), ...(guid !== undefined ? { guid } : {}) } };
  }
  const quirks: PtpIpQuirksSelector = (responder) =>
    listExtensions().find((e) => e.ptpip?.recognize?.(responder) === true)?.ptpip?.connection;
  return { ptpip: { quirks } };
}

function filterParams(storageId: number, filter: ObjectFilter): number[] {
  const parent = filter.parent === 'root' ? ALL : (filter.parent ?? 0);
  return [storageId, filter.format ?? 0, parent];
}

function runOptions(o: CallOptions): RunOptions {
  return {
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
  };
}

function toSink(to: Destination): DataSink {
  if (typeof WritableStream !== 'undefined' && to instanceof WritableStream) return webWritableSink(to);
  if (isNodeWritableLike(to)) return writableSink(to);
  return to as DataSink;
}

function releaseSink(sink: DataSink | undefined): void {
  if (sink !== undefined && 'release' in sink && typeof sink.release === 'function') (sink.release as () => void)();
}

export type { OperationResponse };
