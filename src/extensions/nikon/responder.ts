/**
 * The virtual camera's Nikon behaviour (worn by the `nikon-d750`
 * personality): the GetEvent queue, DeviceReady, capture into SDRAM, AfDrive,
 * GetVendorPropCodes, live view, and a few Nikon properties. Only operations
 * that the recorded D750's OperationsSupported lists are implemented.
 *
 * As a real Nikon does, a capture into SDRAM leaves the image in the camera's
 * memory, not on the card: it is announced by ObjectAddedInSDRAM (0xC101,
 * parameter 0xFFFF0001) and CaptureCompleteRecInSdram (0xC102) in the GetEvent
 * queue, served by GetObjectInfo/GetObject under handle 0xFFFF0001 (storage 0,
 * parent 0), and gone once downloaded whole. Several captures queue up behind
 * the same handle, one after the other.
 */
import { EventCode } from '../../core/codes/events.js';
import { ObjectFormatCode } from '../../core/codes/formats.js';
import { OperationCode } from '../../core/codes/operations.js';
import { ResponseCode } from '../../core/codes/responses.js';
import { DataType } from '../../core/codec/datatypes.js';
import { encodeDevicePropDesc } from '../../core/datasets/device-prop-desc.js';
import { encodeObjectInfo, objectInfoFor } from '../../core/datasets/object-info.js';
import type { IncomingTransaction, TransactionResult } from '../../core/transport.js';
import { PropertyTable } from '../../responder/device-properties.js';
import { sampleJpeg } from '../../responder/jpeg.js';
import type { VirtualCamera, VirtualCameraBehaviour, VirtualOperation } from '../../responder/virtual-camera.js';
import { NikonDevicePropCode, NikonEventCode, NikonOperationCode as Op, NikonResponseCode } from './codes.js';
import { encodeNikonEvents, encodeVendorPropCodes, type NikonEventEntry } from './datasets.js';
import { param, readLimited } from '../../responder/incoming.js';

const SDRAM_HANDLE = 0xffff0001;
const MAX_DATASET = 64 * 1024;

/**
 * Size of the header the virtual camera puts before each live view JPEG.
 * Real bodies differ (which is why `splitLiveViewImage` searches for the JPEG
 * instead of skipping a fixed size); this one is arbitrary and holds a
 * decoy `ff d8` to keep that search honest.
 */
export const VIRTUAL_LIVE_VIEW_HEADER_SIZE = 384;

/** Options of {@link nikonBehaviour}. */
export interface NikonBehaviourOptions {
  /** Size of captured images. Default 640x480. */
  readonly captureSize?: { readonly width: number; readonly height: number };
  /** Size of live view frames. Default 160x120. */
  readonly liveViewSize?: { readonly width: number; readonly height: number };
}

/** The Nikon behaviour of the virtual camera. */
export function nikonBehaviour(options: NikonBehaviourOptions = {}): VirtualCameraBehaviour {
  return {
    codes: [{ operation: Op, response: NikonResponseCode, event: NikonEventCode, property: NikonDevicePropCode }],
    events: [NikonEventCode.ObjectAddedInSDRAM, NikonEventCode.CaptureCompleteRecInSdram],
    operations: (camera) => new NikonResponder(camera, options).operations(),
  };
}

interface SdramImage {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

class NikonResponder {
  readonly #camera: VirtualCamera;
  readonly #options: NikonBehaviourOptions;
  /** Events waiting for the next GetEvent. */
  readonly #events: NikonEventEntry[] = [];
  /** Images in SDRAM, oldest first; the first is served as 0xFFFF0001. */
  readonly #sdram: SdramImage[] = [];
  /** Vendor properties, answered before the virtual camera's standard ones. */
  readonly #properties = new PropertyTable([
    { propertyCode: NikonDevicePropCode.RecordingMedia, dataType: DataType.UINT8, getSet: 1,
      factoryDefaultValue: 0, currentValue: 0, form: { kind: 'enum', values: [0, 1] } },
    { propertyCode: NikonDevicePropCode.LiveViewStatus, dataType: DataType.UINT8, getSet: 0,
      factoryDefaultValue: 0, currentValue: 0, form: { kind: 'enum', values: [0, 1] } },
    { propertyCode: NikonDevicePropCode.LiveViewProhibitCondition, dataType: DataType.UINT32, getSet: 0,
      factoryDefaultValue: 0, currentValue: 0, form: { kind: 'none' } },
  ]);
  #busyPolls = 0;
  #liveView = false;
  #captures = 0;
  #frames = 0;

  constructor(camera: VirtualCamera, options: NikonBehaviourOptions) {
    this.#camera = camera;
    this.#options = options;
  }

  operations(): ReadonlyMap<number, VirtualOperation> {
    return new Map<number, VirtualOperation>([
      [Op.GetEvent, async () => this.#getEvent()],
      [Op.DeviceReady, async () => this.#deviceReady()],
      [Op.InitiateCaptureRecInSdram, async () => this.#capture()],
      [Op.AfDrive, async () => {
        this.#busyPolls = 1;
        return { code: ResponseCode.OK };
      }],
      [Op.GetVendorPropCodes, async () => ({ code: ResponseCode.OK, data: encodeVendorPropCodes(this.#properties.codes()) })],
      [Op.StartLiveView, async () => this.#setLiveView(true)],
      [Op.EndLiveView, async () => this.#setLiveView(false)],
      [Op.GetLiveViewImg, async () => this.#liveViewImage()],
      // The standard operations that also serve the SDRAM image and the vendor properties.
      [OperationCode.GetObjectInfo, async (t) => this.#getObjectInfo(t)],
      [OperationCode.GetObject, async (t) => this.#getObject(t)],
      [OperationCode.GetDevicePropDesc, async (t) => this.#getPropDesc(t)],
      [OperationCode.GetDevicePropValue, async (t) => this.#getPropValue(t)],
      [OperationCode.SetDevicePropValue, async (t) => this.#setPropValue(t)],
    ]);
  }

  #queue(code: number, param: number): void {
    this.#events.push({ code, param });
  }

  #getEvent(): TransactionResult {
    const data = encodeNikonEvents(this.#events.splice(0));
    return { code: ResponseCode.OK, data };
  }

  /** Busy for the polls left after a capture, autofocus or live view start, then OK. */
  #deviceReady(): TransactionResult {
    if (this.#busyPolls > 0) {
      this.#busyPolls--;
      return { code: ResponseCode.DeviceBusy };
    }
    return { code: ResponseCode.OK };
  }

  #capture(): TransactionResult {
    const n = ++this.#captures;
    const { width, height } = this.#options.captureSize ?? { width: 640, height: 480 };
    this.#sdram.push({ name: `DSC_${String(n).padStart(4, '0')}.JPG`, bytes: sampleJpeg(width, height, n), width, height });
    this.#busyPolls = 1;
    this.#queue(NikonEventCode.ObjectAddedInSDRAM, SDRAM_HANDLE);
    this.#queue(NikonEventCode.CaptureCompleteRecInSdram, 0);
    return { code: ResponseCode.OK };
  }

  #setLiveView(on: boolean): TransactionResult {
    if (this.#liveView !== on) {
      this.#liveView = on;
      this.#properties.set(NikonDevicePropCode.LiveViewStatus, on ? 1 : 0);
      this.#queue(EventCode.DevicePropChanged, NikonDevicePropCode.LiveViewStatus);
      if (on) this.#busyPolls = 1;
    }
    return { code: ResponseCode.OK };
  }

  #liveViewImage(): TransactionResult {
    if (!this.#liveView) return { code: NikonResponseCode.NotLiveView };
    const { width, height } = this.#options.liveViewSize ?? { width: 160, height: 120 };
    const n = ++this.#frames;
    const jpeg = sampleJpeg(width, height, n);
    const header = new Uint8Array(VIRTUAL_LIVE_VIEW_HEADER_SIZE);
    const view = new DataView(header.buffer);
    // A few made-up fields: JPEG size, frame size, frame number.
    view.setUint32(0, jpeg.length, false);
    view.setUint16(4, width, false);
    view.setUint16(6, height, false);
    view.setUint32(8, n, false);
    header.set([0xff, 0xd8, 0x00, 0x00], 16); // a decoy: not a JPEG start
    const data = new Uint8Array(header.length + jpeg.length);
    data.set(header);
    data.set(jpeg, header.length);
    return { code: ResponseCode.OK, data };
  }

  async #getObjectInfo(t: IncomingTransaction): Promise<TransactionResult> {
    const handle = param(t, 0);
    if (handle === SDRAM_HANDLE) {
      const image = this.#sdram[0];
      if (image === undefined) return { code: ResponseCode.InvalidObjectHandle };
      const info = objectInfoFor({
        filename: image.name, size: image.bytes.length, objectFormat: ObjectFormatCode.ExifJpeg,
        imagePixWidth: image.width, imagePixHeight: image.height, imageBitDepth: 24,
      });
      return { code: ResponseCode.OK, data: encodeObjectInfo(info) };
    }
    const obj = this.#camera.store.get(handle);
    if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
    return { code: ResponseCode.OK, data: encodeObjectInfo(await this.#camera.objectInfo(obj)) };
  }

  async #getObject(t: IncomingTransaction): Promise<TransactionResult> {
    const handle = param(t, 0);
    if (handle === SDRAM_HANDLE) {
      const image = this.#sdram[0];
      if (image === undefined) return { code: ResponseCode.InvalidObjectHandle };
      const sdram = this.#sdram;
      // Gone from SDRAM once sent whole; a broken transfer leaves it there.
      const chunks = (async function* () {
        yield image.bytes;
        if (sdram[0] === image) sdram.shift();
      })();
      return { code: ResponseCode.OK, data: { length: image.bytes.length, chunks } };
    }
    const obj = this.#camera.store.get(handle);
    if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
    if (obj.isFolder) return { code: ResponseCode.OK, data: new Uint8Array(0) };
    return { code: ResponseCode.OK, data: { length: obj.size, chunks: this.#camera.store.read(obj) } };
  }

  #tableOf(code: number): PropertyTable {
    return this.#properties.has(code) ? this.#properties : this.#camera.properties;
  }

  async #getPropDesc(t: IncomingTransaction): Promise<TransactionResult> {
    const desc = this.#tableOf(param(t, 0)).desc(param(t, 0));
    return desc === undefined ? { code: ResponseCode.DevicePropNotSupported } : { code: ResponseCode.OK, data: encodeDevicePropDesc(desc) };
  }

  async #getPropValue(t: IncomingTransaction): Promise<TransactionResult> {
    const value = this.#tableOf(param(t, 0)).encodedValue(param(t, 0));
    return value === undefined ? { code: ResponseCode.DevicePropNotSupported } : { code: ResponseCode.OK, data: value };
  }

  /** SetDevicePropValue; each change is queued for GetEvent (and sent as an interrupt event too). */
  async #setPropValue(t: IncomingTransaction): Promise<TransactionResult> {
    const code = param(t, 0);
    const bytes = await readLimited(t.data, MAX_DATASET);
    if (bytes === undefined) return { code: ResponseCode.InvalidDevicePropFormat };
    const r = this.#tableOf(code).setEncoded(code, bytes);
    if (!r.ok) return { code: r.code };
    for (const changed of r.changed) {
      this.#queue(EventCode.DevicePropChanged, changed);
      setImmediate(() => this.#camera.emit({ code: EventCode.DevicePropChanged, params: [changed] }));
    }
    return { code: ResponseCode.OK };
  }
}


