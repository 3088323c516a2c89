/**
 * The virtual camera's Canon PowerShot behaviour (worn by `canon-powershot`,
 * the recorded PowerShot A520, and the other recorded PowerShots with remote
 * capture), after libgphoto2's description of the protocol in ptp.h:
 *
 * - InitiateReleaseControl enters the shooting mode under PC control and
 *   pushes StorageInfoChanged and CameraModeChanged onto the event stack;
 *   again while in it, it answers 0xA009. TerminateReleaseControl leaves it
 *   (and turns the viewfinder off) with the same two events.
 * - DeviceInfo changes with the mode ("they change on the Canons", says
 *   libgphoto2, which reads it again): in shooting mode it also lists
 *   FlashMode (0xD00A), whose presence libgphoto2 takes as "capture mode is
 *   already set up", and answers for it (UINT8, libgphoto2's seven values).
 * - InitiateCaptureInMemory, in shooting mode, writes a JPEG into
 *   DCIM/100CANON of the first storage and pushes ObjectAdded for each new
 *   folder and the image, then CaptureComplete (carrying the capture's
 *   transaction ID), or CaptureComplete first with `captureCompleteFirst`
 *   (libgphoto2 is written for both); outside it, OperationRefused (0xA005).
 * - CheckEvent takes the oldest event off the stack (an empty data phase
 *   when there is none). Events go only there: the body is taken to be in
 *   EventEmulateMode 7, which libgphoto2 sets.
 * - GetChanges lists the device properties whose values changed since the
 *   previous GetChanges; it is the only report of a change (no
 *   DevicePropChanged event).
 * - ViewfinderOn/Off; GetViewfinderImage answers a 320x240 JPEG (the size
 *   ptp.c gives) with its size as the first response parameter, or
 *   ObjectNotReady (0xA102) while the viewfinder is off.
 * - Operations the personality's DeviceInfo does not list answer
 *   OperationNotSupported.
 */
import { EventCode } from '../../core/codes/events.js';
import { OperationCode } from '../../core/codes/operations.js';
import { ResponseCode } from '../../core/codes/responses.js';
import { DataType } from '../../core/codec/datatypes.js';
import { encodeDeviceInfo } from '../../core/datasets/device-info.js';
import { encodeDevicePropDesc, type DevicePropDesc } from '../../core/datasets/device-prop-desc.js';
import type { IncomingTransaction, PtpEvent, TransactionResult } from '../../core/transport.js';
import { PropertyTable } from '../../responder/device-properties.js';
import { param, readLimited } from '../../responder/incoming.js';
import { sampleJpeg } from '../../responder/jpeg.js';
import type { VirtualCamera, VirtualCameraBehaviour, VirtualOperation } from '../../responder/virtual-camera.js';
import { writeCanonCapture } from './capture.js';
import {
  CanonDevicePropCode, CanonEventCode, CanonObjectFormatCode, CanonOperationCode as Op, CanonOperationCode, CanonResponseCode,
} from './codes.js';
import { encodeChangedProperties, encodeCheckEvent } from './powershot.js';

/** Events kept for a CheckEvent that never comes; older ones are dropped. */
const MAX_STACK = 4096;
const CAPTURE_SIZE = { width: 640, height: 480 } as const;
/** ptp.c: "The image size is 320x240, format is JPEG." */
const VIEWFINDER_SIZE = { width: 320, height: 240 } as const;
const NO_TRANSACTION = 0xffffffff;
const MAX_PROP_SET = 4096;

/** Canon FlashMode, listed in shooting mode only: auto, of libgphoto2's off, auto, on, red eye, fill in, auto + red eye, on + red eye. */
const FLASH_MODE: DevicePropDesc = {
  propertyCode: CanonDevicePropCode.CanonFlashMode, dataType: DataType.UINT8, getSet: 1,
  factoryDefaultValue: 1, currentValue: 1, form: { kind: 'enum', values: [0, 1, 2, 3, 4, 5, 6] },
};

/** Options of {@link canonPowerShotBehaviour}. */
export interface CanonPowerShotBehaviourOptions {
  /** Push CaptureComplete before the capture's ObjectAdded events instead of after them. */
  readonly captureCompleteFirst?: boolean;
}

/** The PowerShot behaviour, with a way to put events on the body's stack (e.g. one left over from before). */
export interface CanonPowerShotBehaviour extends VirtualCameraBehaviour {
  /** Pushes `event` onto the event stack CheckEvent reads (once the camera is built). */
  pushEvent(event: PtpEvent): void;
}

/** The Canon PowerShot behaviour for a recorded PowerShot personality (one per virtual camera: it holds the body's state). */
export function canonPowerShotBehaviour(options: CanonPowerShotBehaviourOptions = {}): CanonPowerShotBehaviour {
  let responder: PowerShotResponder | undefined;
  return {
    codes: [{
      operation: CanonOperationCode, response: CanonResponseCode, event: CanonEventCode,
      property: CanonDevicePropCode, format: CanonObjectFormatCode,
    }],
    events: [CanonEventCode.CameraModeChanged, CanonEventCode.CanonRequestObjectTransfer],
    operations: (camera) => {
      responder = new PowerShotResponder(camera, options);
      return responder.operations();
    },
    pushEvent: (event) => responder?.push(event.code, event.params, event.transactionId),
  };
}

class PowerShotResponder {
  readonly #camera: VirtualCamera;
  readonly #options: CanonPowerShotBehaviourOptions;
  readonly #stack: PtpEvent[] = [];
  /** Properties the body lists in shooting mode only. */
  readonly #shootingProps = new PropertyTable([FLASH_MODE]);
  #remote = false;
  #viewfinder = false;
  #captures = 0;
  #frames = 0;
  /** Encoded property values as of the last GetChanges. */
  #seen: Map<number, string>;

  constructor(camera: VirtualCamera, options: CanonPowerShotBehaviourOptions) {
    this.#camera = camera;
    this.#options = options;
    this.#seen = this.#snapshot();
  }

  operations(): ReadonlyMap<number, VirtualOperation> {
    const ops = new Map<number, VirtualOperation>([
      [Op.InitiateReleaseControl, async () => {
        if (this.#remote) return { code: CanonResponseCode.A009 };
        this.#remote = true;
        this.#modeChanged();
        return ok();
      }],
      [Op.TerminateReleaseControl, async () => {
        if (this.#remote) {
          this.#remote = false;
          this.#viewfinder = false;
          this.#modeChanged();
        }
        return ok();
      }],
      [Op.InitiateCaptureInMemory, async (t) => this.#capture(t.request.transactionId)],
      [Op.CheckEvent, async () => ({ code: ResponseCode.OK, data: encodeCheckEvent(this.#stack.shift()) })],
      [Op.GetChanges, async () => ({ code: ResponseCode.OK, data: encodeChangedProperties(this.#changes()) })],
      [Op.ViewfinderOn, async () => {
        if (!this.#remote) return { code: CanonResponseCode.OperationRefused };
        this.#viewfinder = true;
        return ok();
      }],
      [Op.ViewfinderOff, async () => {
        this.#viewfinder = false;
        return ok();
      }],
      [Op.GetViewfinderImage, async () => {
        if (!this.#viewfinder) return { code: CanonResponseCode.ObjectNotReady };
        const frame = sampleJpeg(VIEWFINDER_SIZE.width, VIEWFINDER_SIZE.height, ++this.#frames);
        return { code: ResponseCode.OK, params: [frame.length], data: frame };
      }],
    ]);
    // Answer only what the worn DeviceInfo lists (it is known once the camera is built).
    const gated = new Map<number, VirtualOperation>();
    for (const [code, op] of ops) {
      gated.set(code, (t, context) =>
        this.#camera.deviceInfo.operationsSupported.includes(code) ? op(t, context) : Promise.resolve({ code: ResponseCode.OperationNotSupported }));
    }
    for (const [code, op] of this.#modeDependentOperations()) gated.set(code, op);
    return gated;
  }

  /** DeviceInfo and the properties, which depend on the mode. */
  #modeDependentOperations(): ReadonlyMap<number, VirtualOperation> {
    const tableOf = (code: number): PropertyTable =>
      (this.#remote && this.#shootingProps.has(code) ? this.#shootingProps : this.#camera.properties);
    return new Map<number, VirtualOperation>([
      [OperationCode.GetDeviceInfo, async () => {
        const info = this.#camera.deviceInfo;
        const props = this.#remote ? [...info.devicePropertiesSupported, ...this.#shootingProps.codes()] : info.devicePropertiesSupported;
        return { code: ResponseCode.OK, data: encodeDeviceInfo({ ...info, devicePropertiesSupported: props }) };
      }],
      [OperationCode.GetDevicePropDesc, async (t) => {
        const desc = tableOf(param(t, 0)).desc(param(t, 0));
        return desc === undefined ? { code: ResponseCode.DevicePropNotSupported } : { code: ResponseCode.OK, data: encodeDevicePropDesc(desc) };
      }],
      [OperationCode.GetDevicePropValue, async (t) => {
        const value = tableOf(param(t, 0)).encodedValue(param(t, 0));
        return value === undefined ? { code: ResponseCode.DevicePropNotSupported } : { code: ResponseCode.OK, data: value };
      }],
      [OperationCode.SetDevicePropValue, async (t) => this.#setProperty(t, tableOf(param(t, 0)))],
    ]);
  }

  async #setProperty(t: IncomingTransaction, table: PropertyTable): Promise<TransactionResult> {
    const code = param(t, 0);
    const bytes = await readLimited(t.data, MAX_PROP_SET);
    if (bytes === undefined) return { code: ResponseCode.InvalidDevicePropFormat };
    const r = table.setEncoded(code, bytes);
    return r.ok ? ok() : { code: r.code };
  }

  push(code: number, params: readonly number[] = [], transactionId = NO_TRANSACTION): void {
    this.#stack.push({ code, transactionId, params });
    if (this.#stack.length > MAX_STACK) this.#stack.splice(0, this.#stack.length - MAX_STACK);
  }

  #modeChanged(): void {
    const storageId = this.#camera.store.storageIds()[0];
    if (storageId !== undefined) this.push(EventCode.StorageInfoChanged, [storageId]);
    this.push(CanonEventCode.CameraModeChanged);
  }

  async #capture(transactionId: number): Promise<TransactionResult> {
    if (!this.#remote) return { code: CanonResponseCode.OperationRefused };
    const shot = await writeCanonCapture(this.#camera, this.#captures, CAPTURE_SIZE);
    if (typeof shot === 'number') return { code: shot };
    this.#captures = shot.number;
    if (this.#options.captureCompleteFirst === true) this.push(EventCode.CaptureComplete, [], transactionId);
    for (const folder of shot.folders) this.push(EventCode.ObjectAdded, [folder.handle]);
    this.push(EventCode.ObjectAdded, [shot.file.handle]);
    if (this.#options.captureCompleteFirst !== true) this.push(EventCode.CaptureComplete, [], transactionId);
    return ok();
  }

  #snapshot(): Map<number, string> {
    const snapshot = new Map<number, string>();
    for (const props of [this.#camera.properties, this.#shootingProps]) {
      for (const code of props.codes()) snapshot.set(code, Buffer.from(props.encodedValue(code) ?? []).toString('hex'));
    }
    return snapshot;
  }

  #changes(): number[] {
    const now = this.#snapshot();
    const changed = [...now].filter(([code, value]) => this.#seen.get(code) !== value).map(([code]) => code);
    this.#seen = now;
    return changed;
  }
}

function ok(): TransactionResult {
  return { code: ResponseCode.OK };
}
