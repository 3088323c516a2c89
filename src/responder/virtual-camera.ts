/**
 * The virtual camera: a PTP responder that serves folders as storages. It is
 * independent of the wire — it answers transactions handed to it by any
 * {@link ResponderLink} (in-process now, PTP/IP and a USB gadget later).
 */
import { EventCode } from '../core/codes/events.js';
import { ObjectFormatCode } from '../core/codes/formats.js';
import { CodeNames, type CodeTableSet } from '../core/codes/names.js';
import { OperationCode } from '../core/codes/operations.js';
import { ResponseCode } from '../core/codes/responses.js';
import { encodeDeviceInfo, type DeviceInfo } from '../core/datasets/device-info.js';
import { encodeDevicePropDesc } from '../core/datasets/device-prop-desc.js';
import { encodeObjectHandles, encodeStorageIds } from '../core/datasets/id-arrays.js';
import { decodeObjectInfo, encodeObjectInfo, type ObjectInfo } from '../core/datasets/object-info.js';
import { encodeStorageInfo } from '../core/datasets/storage-info.js';
import { PtpError, TransportError } from '../core/errors.js';
import {
  dataSourceChunks,
  dataSourceLength,
  type DataSource,
  type IncomingData,
  type IncomingTransaction,
  type PtpEvent,
  type ResponderLink,
  type TransactionResult,
} from '../core/transport.js';
import { defaultProperties, PropertyTable } from './device-properties.js';
import { exifThumbnail, jpegDimensions, sampleJpeg, withExifThumbnail } from './jpeg.js';
import { isSafeName, ObjectStore, ROOT_PARENT, type StorageOptions, type StoredObject } from './object-store.js';
import { readLimited } from './incoming.js';

const ALL = 0xffffffff;
const MAX_DATASET = 64 * 1024;

/** How an initiator reached the camera: an in-process pair, or PTP/IP (where vendor Wi-Fi behaviour applies). */
export type VirtualWire = 'in-process' | 'ptpip';

/** What an added operation knows about the connection it serves. */
export interface VirtualOperationContext {
  /** The session of the connection (never 0: added operations run inside a session). */
  readonly sessionId: number;
  /** How the initiator is connected. */
  readonly wire: VirtualWire;
  /**
   * Stands for this connection as long as it lasts (the same object on every
   * call): a WeakMap key for state a body keeps per initiator.
   */
  readonly connection: object;
  /** Sends an event to this connection only (see {@link VirtualCamera.emit} for everyone). */
  sendEvent(event: PtpEvent): void;
  /**
   * Prepares this connection for a SendObject of `info` into `storageId`/`parent`
   * (what SendObjectInfo does; MTP SendObjectPropList uses it too) and returns
   * the response SendObjectInfo would give: OK with [storageId, parent, handle],
   * or the failure code.
   */
  prepareObject(storageId: number, parent: number, info: ObjectInfo): Promise<TransactionResult>;
}

/** An operation a personality adds to the virtual camera (or replaces in it). */
export type VirtualOperation = (t: IncomingTransaction, context: VirtualOperationContext) => Promise<TransactionResult>;

/**
 * Vendor behaviour worn with a personality: extra operations (listed in
 * OperationsSupported), extra events, and code names for the log. MTP, Canon,
 * Nikon and Parrot personalities plug in this way.
 */
export interface VirtualCameraBehaviour {
  /** Code layers that name the vendor's codes in log lines, lowest first. */
  readonly codes?: readonly CodeTableSet[];
  /** Event codes added to EventsSupported. */
  readonly events?: readonly number[];
  /** Builds the added operations for one camera (called once, when it is created). */
  operations(camera: VirtualCamera): ReadonlyMap<number, VirtualOperation>;
  /**
   * Runs before every in-session operation, standard or added; a result
   * answers it instead (e.g. a body that refuses work over Wi-Fi until it is
   * put under remote control).
   */
  admit?(t: IncomingTransaction, context: VirtualOperationContext): TransactionResult | undefined;
}

/** Options of {@link VirtualCamera.create}. */
export interface VirtualCameraOptions {
  /** Folders to serve, one storage each. */
  readonly storages: readonly StorageOptions[];
  /** DeviceInfo fields to present (a personality); OperationsSupported etc. default to what is implemented. */
  readonly deviceInfo?: Partial<DeviceInfo>;
  /** Called with one line per transaction. */
  readonly log?: (line: string) => void;
  /** Capture size in pixels. Default 640x480. */
  readonly captureSize?: { readonly width: number; readonly height: number };
  /** Interval between frames of an open capture, ms. Default 500. */
  readonly openCaptureIntervalMs?: number;
  /** Vendor behaviour (extra operations) of the personality worn. */
  readonly behaviour?: VirtualCameraBehaviour;
  /**
   * Offer FormatStore, which empties a served folder. Off by default: a
   * client formatting the "card" would erase real files.
   */
  readonly allowFormat?: boolean;
}

/** Faults a test can script. */
export interface VirtualCameraFaults {
  /** Answer the next N operations (other than GetDeviceInfo/OpenSession) with DeviceBusy. */
  busy?: number;
  /** Wait this long before answering each operation. */
  delayMs?: number;
  /**
   * Drop the connection after sending this many bytes of the next data phase
   * (once): the initiator must fail the call with TransportError, not hang.
   */
  dropAfterBytes?: number;
}

interface Connection {
  readonly link: ResponderLink;
  readonly wire: VirtualWire;
  /** What behaviours see of it (VirtualOperationContext.connection). */
  readonly key: object;
  sessionId: number;
  lastTransactionId: number;
  pendingObject: { storageId: number; parent: number; handle: number; info: ObjectInfo } | undefined;
  openCapture: { transactionId: number; timer: ReturnType<typeof setInterval> } | undefined;
}

type Handler = (c: Connection, t: IncomingTransaction) => Promise<TransactionResult>;

/** A PTP camera in software. */
export class VirtualCamera {
  readonly store: ObjectStore;
  readonly properties: PropertyTable;
  /** Faults to inject; change at any time. */
  readonly faults: VirtualCameraFaults = {};
  readonly #options: VirtualCameraOptions;
  readonly #connections = new Set<Connection>();
  readonly #handlers: Map<number, Handler>;
  readonly #images = new Map<number, { key: string; meta: ImageMeta | undefined }>();
  readonly #names: CodeNames;
  #captureCounter = 0;
  #deviceInfo: DeviceInfo;

  private constructor(store: ObjectStore, options: VirtualCameraOptions) {
    this.store = store;
    this.#options = options;
    this.properties = new PropertyTable(defaultProperties());
    this.#names = new CodeNames(options.behaviour?.codes ?? []);
    this.#handlers = this.#buildHandlers();
    for (const [code, operation] of options.behaviour?.operations(this) ?? []) {
      this.#handlers.set(code, (c, t) => operation(t, this.#context(c)));
    }
    const ops = [...this.#handlers.keys()].sort((a, b) => a - b);
    this.#deviceInfo = {
      standardVersion: 110,
      vendorExtensionId: 0,
      vendorExtensionVersion: 0,
      vendorExtensionDesc: '',
      functionalMode: 0,
      operationsSupported: ops,
      eventsSupported: [
        EventCode.ObjectAdded, EventCode.ObjectRemoved, EventCode.DevicePropChanged,
        EventCode.StoreFull, EventCode.CaptureComplete, ...(options.behaviour?.events ?? []),
      ],
      devicePropertiesSupported: this.properties.codes(),
      captureFormats: [ObjectFormatCode.ExifJpeg],
      playbackFormats: [
        ObjectFormatCode.Undefined, ObjectFormatCode.Association, ObjectFormatCode.Text, ObjectFormatCode.ExifJpeg,
        ObjectFormatCode.PNG, ObjectFormatCode.TIFF, ObjectFormatCode.DNG, ObjectFormatCode.MP3, ObjectFormatCode.WAV,
        ObjectFormatCode.AVI, ObjectFormatCode.MPEG, ObjectFormatCode.QT,
      ],
      manufacturer: 'ptpts',
      model: 'Virtual Camera',
      deviceVersion: '1.0',
      serialNumber: 'PTPTS0000000001',
      ...options.deviceInfo,
    };
    // A personality may list properties this camera has no descriptor for: present only
    // those it can answer, or every GetDevicePropDesc of the rest would fail.
    this.#deviceInfo.devicePropertiesSupported = this.#deviceInfo.devicePropertiesSupported.filter((c) => this.properties.has(c));
  }

  /** Opens the folders and builds the camera. */
  static async create(options: VirtualCameraOptions): Promise<VirtualCamera> {
    return new VirtualCamera(await ObjectStore.open(options.storages), options);
  }

  /** The DeviceInfo this camera presents. */
  get deviceInfo(): DeviceInfo {
    return this.#deviceInfo;
  }

  /** Serves one initiator over `link` (reached by `wire`, default in-process). Returns a function that detaches it. */
  attach(link: ResponderLink, options: { readonly wire?: VirtualWire } = {}): () => void {
    const c: Connection = {
      link, wire: options.wire ?? 'in-process', key: {}, sessionId: 0, lastTransactionId: 0, pendingObject: undefined, openCapture: undefined,
    };
    this.#connections.add(c);
    const detach = (): void => {
      if (c.openCapture !== undefined) clearInterval(c.openCapture.timer);
      this.#connections.delete(c);
    };
    link.onDisconnect(detach);
    link.serve((t) => this.#handle(c, t));
    return detach;
  }

  /** Sends an event to every attached initiator with an open session (test injection). */
  emit(event: { readonly code: number; readonly params?: readonly number[]; readonly transactionId?: number }): void {
    const e: PtpEvent = { code: event.code, transactionId: event.transactionId ?? ALL, params: event.params ?? [] };
    for (const c of this.#connections) if (c.sessionId !== 0) c.link.sendEvent(e);
  }

  async #handle(c: Connection, t: IncomingTransaction): Promise<TransactionResult> {
    const { request } = t;
    let result: TransactionResult;
    try {
      result = await this.#dispatch(c, t);
    } catch (err) {
      // A bug or an I/O error must never take the device down: answer GeneralError.
      this.#options.log?.(`! ${this.#names.describe('operation', request.code)}: ${(err as Error).message}`);
      result = { code: ResponseCode.GeneralError };
    }
    this.#options.log?.(
      `${this.#names.describe('operation', request.code)}(${request.params.map((p) => '0x' + p.toString(16)).join(', ')}) ` +
        `tid ${request.transactionId} -> ${this.#names.describe('response', result.code)}`,
    );
    const drop = this.faults.dropAfterBytes;
    if (drop !== undefined && result.data !== undefined) {
      delete this.faults.dropAfterBytes;
      return { ...result, data: { length: dataSourceLength(result.data), chunks: cutAfter(result.data, BigInt(drop), () => c.link.close()) } };
    }
    return result;
  }

  async #dispatch(c: Connection, t: IncomingTransaction): Promise<TransactionResult> {
    const { code, transactionId } = t.request;
    if (this.faults.delayMs !== undefined && this.faults.delayMs > 0) await sleep(this.faults.delayMs, t.signal);
    const handler = this.#handlers.get(code);
    // Both are valid outside a session (TID 0); GetDeviceInfo inside one counts like any operation.
    if (code === OperationCode.OpenSession || (code === OperationCode.GetDeviceInfo && c.sessionId === 0)) {
      return handler!(c, t);
    }
    if (c.sessionId === 0) return { code: ResponseCode.SessionNotOpen };
    const expected = c.lastTransactionId >= 0xfffffffe ? 1 : c.lastTransactionId + 1;
    if (transactionId !== expected) return { code: ResponseCode.InvalidTransactionID };
    c.lastTransactionId = transactionId;
    if (this.faults.busy !== undefined && this.faults.busy > 0) {
      this.faults.busy--;
      return { code: ResponseCode.DeviceBusy };
    }
    const admit = this.#options.behaviour?.admit;
    if (admit !== undefined) {
      const refused = admit(t, this.#context(c));
      if (refused !== undefined) return refused;
    }
    if (handler === undefined) return { code: ResponseCode.OperationNotSupported };
    return handler(c, t);
  }

  #buildHandlers(): Map<number, Handler> {
    const op = OperationCode;
    const h = new Map<number, Handler>();
    const p = (t: IncomingTransaction, i: number): number => t.request.params[i] ?? 0;

    h.set(op.GetDeviceInfo, async () => ({ code: ResponseCode.OK, data: encodeDeviceInfo(this.#deviceInfo) }));

    h.set(op.OpenSession, async (c, t) => {
      const id = p(t, 0);
      if (id === 0) return { code: ResponseCode.InvalidParameter };
      if (c.sessionId !== 0) return { code: ResponseCode.SessionAlreadyOpen, params: [c.sessionId] };
      c.sessionId = id;
      c.lastTransactionId = 0;
      return { code: ResponseCode.OK };
    });

    h.set(op.CloseSession, async (c) => {
      this.#endSession(c);
      return { code: ResponseCode.OK };
    });

    h.set(op.GetStorageIDs, async () => ({ code: ResponseCode.OK, data: encodeStorageIds(this.store.storageIds()) }));

    h.set(op.GetStorageInfo, async (_c, t) => {
      if (!this.store.hasStorage(p(t, 0))) return { code: ResponseCode.InvalidStorageID };
      return { code: ResponseCode.OK, data: encodeStorageInfo(await this.store.storageInfo(p(t, 0))) };
    });

    const listing = async (t: IncomingTransaction): Promise<StoredObject[] | number> => {
      const [storageId, format, parent] = [p(t, 0), p(t, 1), p(t, 2)];
      if (storageId !== ALL && !this.store.hasStorage(storageId)) return ResponseCode.InvalidStorageID;
      if (parent !== 0 && parent !== ROOT_PARENT) {
        const folder = this.store.get(parent);
        if (folder === undefined) return ResponseCode.InvalidObjectHandle;
        if (!folder.isFolder) return ResponseCode.InvalidParentObject;
      }
      const objects = await this.store.list(storageId, parent);
      return format === 0 ? objects : objects.filter((o) => this.#info(o).objectFormat === format);
    };

    h.set(op.GetNumObjects, async (_c, t) => {
      const l = await listing(t);
      return typeof l === 'number' ? { code: l } : { code: ResponseCode.OK, params: [l.length] };
    });

    h.set(op.GetObjectHandles, async (_c, t) => {
      const l = await listing(t);
      return typeof l === 'number' ? { code: l } : { code: ResponseCode.OK, data: encodeObjectHandles(l.map((o) => o.handle)) };
    });

    h.set(op.GetObjectInfo, async (_c, t) => {
      // From the listing's metadata: a stat per object made listing 10,000 of them ~70% slower.
      // GetObject re-reads the file's size before it streams.
      const obj = this.store.get(p(t, 0));
      if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
      return { code: ResponseCode.OK, data: encodeObjectInfo(await this.#infoWithImage(obj)) };
    });

    h.set(op.GetObject, async (_c, t) => {
      const obj = await this.store.refresh(p(t, 0));
      if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
      if (obj.isFolder) return { code: ResponseCode.OK, data: new Uint8Array(0) };
      return { code: ResponseCode.OK, data: { length: obj.size, chunks: this.store.read(obj) } };
    });

    h.set(op.GetPartialObject, async (_c, t) => {
      const obj = await this.store.refresh(p(t, 0));
      if (obj === undefined || obj.isFolder) return { code: ResponseCode.InvalidObjectHandle };
      const offset = BigInt(p(t, 1));
      if (offset > obj.size) return { code: ResponseCode.InvalidParameter };
      const max = BigInt(p(t, 2));
      const length = obj.size - offset < max ? obj.size - offset : max;
      return {
        code: ResponseCode.OK,
        params: [Number(length)],
        data: { length, chunks: this.store.read(obj, offset, length) },
      };
    });

    h.set(op.GetThumb, async (_c, t) => {
      const obj = await this.store.refresh(p(t, 0));
      if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
      // Served straight from the file: the EXIF thumbnail's byte range, streamed.
      const thumb = (await this.#imageMeta(obj))?.thumb;
      if (thumb === undefined) return { code: ResponseCode.NoThumbnailPresent };
      const length = BigInt(thumb.length);
      return { code: ResponseCode.OK, data: { length, chunks: this.store.read(obj, BigInt(thumb.offset), length) } };
    });

    h.set(op.DeleteObject, async (_c, t) => {
      const [handle, format] = [p(t, 0), p(t, 1)];
      const targets = handle === ALL ? await this.store.list(ALL, ROOT_PARENT) : [this.store.get(handle)];
      if (targets[0] === undefined && handle !== ALL) return { code: ResponseCode.InvalidObjectHandle };
      let failed = 0;
      for (const obj of targets) {
        if (obj === undefined) continue;
        if (format !== 0 && this.#info(obj).objectFormat !== format) continue;
        if (this.store.isReadOnly(obj.storageId)) return { code: ResponseCode.StoreReadOnly };
        if (obj.protection !== 0) {
          failed++;
          continue;
        }
        await this.store.delete(obj.handle);
      }
      if (failed > 0) return { code: handle === ALL ? ResponseCode.PartialDeletion : ResponseCode.ObjectWriteProtected };
      return { code: ResponseCode.OK };
    });

    h.set(op.SetObjectProtection, async (_c, t) => {
      const obj = this.store.get(p(t, 0));
      if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
      const status = p(t, 1);
      if (status !== 0 && status !== 1) return { code: ResponseCode.InvalidParameter };
      if (this.store.isReadOnly(obj.storageId)) return { code: ResponseCode.StoreReadOnly };
      obj.protection = status;
      return { code: ResponseCode.OK };
    });

    h.set(op.SendObjectInfo, async (c, t) => {
      const bytes = await readLimited(t.data, MAX_DATASET);
      if (bytes === undefined) return { code: ResponseCode.InvalidDataset };
      let info: ObjectInfo;
      try {
        info = decodeObjectInfo(bytes);
      } catch (err) {
        if (err instanceof PtpError) return { code: ResponseCode.InvalidDataset };
        throw err;
      }
      return this.#prepareObject(c, p(t, 0), p(t, 1), info);
    });

    h.set(op.SendObject, async (c, t) => {
      const pending = c.pendingObject;
      if (pending === undefined) return { code: ResponseCode.NoValidObjectInfo };
      if (t.data === undefined) return { code: ResponseCode.IncompleteTransfer };
      c.pendingObject = undefined;
      try {
        await this.store.fillReserved(pending.handle, counted(t.data, BigInt(pending.info.objectCompressedSize)));
      } catch (err) {
        if (err instanceof SizeMismatch) return { code: ResponseCode.IncompleteTransfer };
        throw err;
      }
      return { code: ResponseCode.OK };
    });

    // MoveObject / CopyObject (handle, storage, parent): parent 0 is the storage root.
    const relocate = async (t: IncomingTransaction, copy: boolean): Promise<TransactionResult> => {
      const obj = this.store.get(p(t, 0));
      if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
      const storageId = p(t, 1);
      if (!this.store.hasStorage(storageId)) return { code: ResponseCode.InvalidStorageID };
      const parent = p(t, 2) === ALL ? 0 : p(t, 2);
      if (this.store.folderPath(storageId, parent) === undefined) return { code: ResponseCode.InvalidParentObject };
      if (this.store.isReadOnly(storageId) || (!copy && this.store.isReadOnly(obj.storageId))) return { code: ResponseCode.StoreReadOnly };
      if (!copy && obj.protection !== 0) return { code: ResponseCode.ObjectWriteProtected };
      if (copy && obj.size > (await this.store.freeBytes(storageId))) return { code: ResponseCode.StoreFull };
      const folder = parent === 0 ? undefined : this.store.get(parent);
      if (obj.isFolder && folder !== undefined && (folder.handle === obj.handle || folder.path.startsWith(obj.path + '/'))) {
        return { code: ResponseCode.InvalidParentObject }; // into itself
      }
      const sameFolder = !copy && obj.storageId === storageId && obj.parent === parent;
      if (sameFolder) return { code: ResponseCode.OK };
      const name = await this.#uniqueName(storageId, parent, obj.name);
      const result = copy ? await this.store.copy(obj.handle, storageId, parent, name) : await this.store.move(obj.handle, storageId, parent, name);
      return copy ? { code: ResponseCode.OK, params: [result.handle] } : { code: ResponseCode.OK };
    };
    h.set(op.MoveObject, (_c, t) => relocate(t, false));
    h.set(op.CopyObject, (_c, t) => relocate(t, true));

    h.set(op.InitiateCapture, async (c, t) => {
      const check = this.#captureCheck(t);
      if (check !== undefined) return { code: check };
      setImmediate(() => void this.#capture(c, t.request.transactionId, true));
      return { code: ResponseCode.OK };
    });

    h.set(op.InitiateOpenCapture, async (c, t) => {
      const check = this.#captureCheck(t);
      if (check !== undefined) return { code: check };
      if (c.openCapture !== undefined) return { code: ResponseCode.DeviceBusy };
      const transactionId = t.request.transactionId;
      const timer = setInterval(() => void this.#capture(c, transactionId, false), this.#options.openCaptureIntervalMs ?? 500);
      c.openCapture = { transactionId, timer };
      return { code: ResponseCode.OK };
    });

    h.set(op.TerminateOpenCapture, async (c, t) => {
      if (c.openCapture === undefined) return { code: ResponseCode.CaptureAlreadyTerminated };
      if (p(t, 0) !== c.openCapture.transactionId) return { code: ResponseCode.InvalidTransactionID };
      clearInterval(c.openCapture.timer);
      const tid = c.openCapture.transactionId;
      c.openCapture = undefined;
      setImmediate(() => c.link.sendEvent({ code: EventCode.CaptureComplete, transactionId: tid, params: [tid] }));
      return { code: ResponseCode.OK };
    });

    h.set(op.GetDevicePropDesc, async (_c, t) => {
      const desc = this.properties.desc(p(t, 0));
      return desc === undefined
        ? { code: ResponseCode.DevicePropNotSupported }
        : { code: ResponseCode.OK, data: encodeDevicePropDesc(desc) };
    });

    h.set(op.GetDevicePropValue, async (_c, t) => {
      const value = this.properties.encodedValue(p(t, 0));
      return value === undefined ? { code: ResponseCode.DevicePropNotSupported } : { code: ResponseCode.OK, data: value };
    });

    h.set(op.SetDevicePropValue, async (_c, t) => {
      const bytes = await readLimited(t.data, MAX_DATASET);
      if (bytes === undefined) return { code: ResponseCode.InvalidDevicePropFormat };
      const r = this.properties.setEncoded(p(t, 0), bytes);
      if (!r.ok) return { code: r.code };
      this.#propsChanged(r.changed);
      return { code: ResponseCode.OK };
    });

    h.set(op.ResetDevicePropValue, async (_c, t) => {
      const r = this.properties.reset(p(t, 0));
      if (!r.ok) return { code: r.code };
      this.#propsChanged(r.changed);
      return { code: ResponseCode.OK };
    });

    h.set(op.ResetDevice, async (c) => {
      this.#endSession(c);
      return { code: ResponseCode.OK };
    });

    h.set(op.SelfTest, async (_c, t) => (p(t, 0) === 0 ? { code: ResponseCode.OK } : { code: ResponseCode.ParameterNotSupported }));

    if (this.#options.allowFormat === true) {
      h.set(op.FormatStore, async (_c, t) => {
        const storageId = p(t, 0);
        if (!this.store.hasStorage(storageId)) return { code: ResponseCode.InvalidStorageID };
        if (this.store.isReadOnly(storageId)) return { code: ResponseCode.StoreReadOnly };
        for (const obj of await this.store.list(storageId, ROOT_PARENT)) await this.store.delete(obj.handle);
        return { code: ResponseCode.OK };
      });
    }

    return h;
  }

  /** The view of a connection that added operations get. */
  #context(c: Connection): VirtualOperationContext {
    return {
      sessionId: c.sessionId,
      wire: c.wire,
      connection: c.key,
      sendEvent: (event) => c.link.sendEvent(event),
      prepareObject: (storageId, parent, info) => this.#prepareObject(c, storageId, parent, info),
    };
  }

  /** SendObjectInfo's work: storage 0 = the first, parent 0xFFFFFFFF = the root; folders are created at once. */
  async #prepareObject(c: Connection, storageParam: number, parentParam: number, info: ObjectInfo): Promise<TransactionResult> {
    const storageId = storageParam === 0 ? (this.store.storageIds()[0] ?? 0) : storageParam;
    if (!this.store.hasStorage(storageId)) return { code: ResponseCode.InvalidStorageID };
    const parent = parentParam === ALL ? 0 : parentParam;
    if (this.store.folderPath(storageId, parent) === undefined) return { code: ResponseCode.InvalidParentObject };
    if (this.store.isReadOnly(storageId)) return { code: ResponseCode.StoreReadOnly };
    if (!isSafeName(info.filename)) return { code: ResponseCode.InvalidDataset };
    if (BigInt(info.objectCompressedSize) > (await this.store.freeBytes(storageId))) return { code: ResponseCode.StoreFull };
    const name = await this.#uniqueName(storageId, parent, info.filename);
    if (info.objectFormat === ObjectFormatCode.Association) {
      const folder = await this.store.createFolder(storageId, parent, name);
      return { code: ResponseCode.OK, params: [storageId, parent, folder.handle] };
    }
    // The handle is only known once the file exists; announce the one it will get.
    const placeholder = this.store.reserve(storageId, parent, name);
    c.pendingObject = { storageId, parent, handle: placeholder.handle, info: { ...info, filename: name } };
    return { code: ResponseCode.OK, params: [storageId, parent, placeholder.handle] };
  }

  #endSession(c: Connection): void {
    c.sessionId = 0;
    c.lastTransactionId = 0;
    c.pendingObject = undefined;
    if (c.openCapture !== undefined) clearInterval(c.openCapture.timer);
    c.openCapture = undefined;
  }

  #propsChanged(codes: readonly number[]): void {
    // Events go after the response, as a camera would send them.
    for (const code of codes) setImmediate(() => this.emit({ code: EventCode.DevicePropChanged, params: [code] }));
  }

  #captureCheck(t: IncomingTransaction): number | undefined {
    const [storageId, format] = [t.request.params[0] ?? 0, t.request.params[1] ?? 0];
    if (format !== 0 && format !== ObjectFormatCode.ExifJpeg) return ResponseCode.InvalidObjectFormatCode;
    const target = storageId === 0 ? this.store.storageIds()[0] : storageId;
    if (target === undefined || !this.store.hasStorage(target)) return ResponseCode.InvalidStorageID;
    if (this.store.isReadOnly(target)) return ResponseCode.StoreReadOnly;
    return undefined;
  }

  /** Writes a new JPEG into DCIM/100PTPTS, then ObjectAdded (folders first) and, for a single capture, CaptureComplete. */
  async #capture(c: Connection, transactionId: number, complete: boolean): Promise<void> {
    try {
      const storageId = this.store.storageIds()[0]!;
      const added: number[] = [];
      let parent = 0;
      for (const folder of ['DCIM', '100PTPTS']) {
        const existing = (await this.store.list(storageId, parent === 0 ? ROOT_PARENT : parent)).find((o) => o.name === folder);
        const obj = existing ?? (await this.store.createFolder(storageId, parent, folder));
        if (existing === undefined) added.push(obj.handle);
        parent = obj.handle;
      }
      const n = ++this.#captureCounter;
      const { width, height } = this.#options.captureSize ?? { width: 640, height: 480 };
      const name = await this.#uniqueName(storageId, parent, `IMG_${String(n).padStart(4, '0')}.JPG`);
      // Like a camera's, the file carries its own EXIF thumbnail (GetThumb serves it from disk).
      const image = withExifThumbnail(sampleJpeg(width, height, n), sampleJpeg(160, 120, n));
      const obj = await this.store.writeFile(storageId, parent, name, (async function* () {
        yield image;
      })());
      added.push(obj.handle);
      for (const handle of added) c.link.sendEvent({ code: EventCode.ObjectAdded, transactionId, params: [handle] });
      if (complete) c.link.sendEvent({ code: EventCode.CaptureComplete, transactionId, params: [transactionId] });
    } catch (err) {
      this.#options.log?.(`! capture failed: ${(err as Error).message}`);
      c.link.sendEvent({ code: EventCode.StoreFull, transactionId, params: [] });
    }
  }

  async #uniqueName(storageId: number, parent: number, name: string): Promise<string> {
    if (!(await this.store.exists(storageId, parent, name))) return name;
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let i = 1; ; i++) {
      const candidate = `${stem}_${i}${ext}`;
      if (!(await this.store.exists(storageId, parent, candidate))) return candidate;
    }
  }

  #info(obj: StoredObject): ObjectInfo {
    return this.store.objectInfo(obj);
  }

  /** The ObjectInfo that GetObjectInfo gives for an object (JPEG dimensions included). */
  objectInfo(obj: StoredObject): Promise<ObjectInfo> {
    return this.#infoWithImage(obj);
  }

  /**
   * Pixel size of a JPEG (undefined for other objects, or when its header has
   * none): from the cache when the file is unchanged, so listings of thousands
   * of images need no await per object.
   */
  imageDimensions(obj: StoredObject): { width: number; height: number } | undefined | Promise<{ width: number; height: number } | undefined> {
    const cached = this.#images.get(obj.handle);
    if (cached !== undefined && cached.key === imageKey(obj)) return cached.meta?.dims;
    return this.#imageMeta(obj).then((m) => m?.dims);
  }

  /** ObjectInfo with JPEG dimensions and EXIF thumbnail read from the file's header. */
  async #infoWithImage(obj: StoredObject): Promise<ObjectInfo> {
    const info = this.#info(obj);
    const meta = await this.#imageMeta(obj);
    if (meta === undefined) return info;
    return {
      ...info,
      ...(meta.dims !== undefined ? { imagePixWidth: meta.dims.width, imagePixHeight: meta.dims.height, imageBitDepth: 24 } : {}),
      ...(meta.thumb !== undefined
        ? {
            thumbFormat: ObjectFormatCode.ExifJpeg,
            thumbCompressedSize: meta.thumb.length,
            thumbPixWidth: meta.thumb.dims?.width ?? 0,
            thumbPixHeight: meta.thumb.dims?.height ?? 0,
          }
        : {}),
    };
  }

  /**
   * Dimensions and EXIF thumbnail of a JPEG, from its first 64 KiB; cached per
   * file version, since listing thousands of JPEGs must not reopen each every time.
   */
  async #imageMeta(obj: StoredObject): Promise<ImageMeta | undefined> {
    if (this.store.formatOf(obj) !== ObjectFormatCode.ExifJpeg) return undefined;
    const key = imageKey(obj);
    const cached = this.#images.get(obj.handle);
    if (cached?.key === key) return cached.meta;
    const head = await this.store.head(obj, 64 * 1024).catch(() => new Uint8Array(0));
    const at = exifThumbnail(head);
    const thumbHead = at !== undefined && at.offset + at.length <= head.length ? head.subarray(at.offset, at.offset + at.length) : undefined;
    const meta: ImageMeta = {
      dims: jpegDimensions(head),
      thumb: at !== undefined ? { ...at, dims: thumbHead !== undefined ? jpegDimensions(thumbHead) : undefined } : undefined,
    };
    this.#images.set(obj.handle, { key, meta });
    return meta;
  }
}

/** A file version, as far as cached image metadata is concerned. */
function imageKey(obj: StoredObject): string {
  return `${obj.size}:${obj.modified.getTime()}`;
}

interface ImageMeta {
  readonly dims: { width: number; height: number } | undefined;
  readonly thumb: { offset: number; length: number; dims: { width: number; height: number } | undefined } | undefined;
}

class SizeMismatch extends Error {}

/** Yields the first `limit` bytes of `source`, then drops the link (fault injection). */
async function* cutAfter(source: DataSource, limit: bigint, drop: () => Promise<void>): AsyncIterable<Uint8Array> {
  let sent = 0n;
  for await (const chunk of dataSourceChunks(source)) {
    const room = limit - sent;
    if (BigInt(chunk.length) >= room) {
      if (room > 0n) yield chunk.subarray(0, Number(room));
      await drop();
      throw new TransportError('fault injection: connection dropped mid data phase');
    }
    sent += BigInt(chunk.length);
    yield chunk;
  }
}

/** Passes chunks through, failing if the total differs from what ObjectInfo announced. */
async function* counted(data: IncomingData, expected: bigint): AsyncIterable<Uint8Array> {
  let total = 0n;
  for await (const chunk of data) {
    total += BigInt(chunk.length);
    // 0xFFFFFFFF in ObjectInfo means "4 GiB or more": only a lower bound.
    if (expected !== 0xffffffffn && total > expected) throw new SizeMismatch();
    yield chunk;
  }
  if (expected !== 0xffffffffn && total !== expected) throw new SizeMismatch();
}


function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
