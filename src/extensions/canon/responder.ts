/**
 * The virtual camera's Canon EOS behaviour (worn by the recorded EOS
 * personalities such as `canon-eos-60d`): remote and event mode, EOS_GetEvent
 * with a queue of EOS event records, EOS properties set with
 * SetDevicePropValueEx, remote release into the served folder, bulb, live
 * view frames and transfer completion.
 *
 * Behaviour, modelled on the 60D's libgphoto2 log:
 * - The first GetEvent after SetEventMode(non-zero) returns every property
 *   (PropValueChanged), then the allowed values of those that have a list
 *   (AvailListChanged); later ones return what happened since.
 * - SetDevicePropValueEx of a new value queues PropValueChanged; a value
 *   outside the property's list is InvalidDevicePropValue, a read-only
 *   property AccessDenied.
 * - A release (RemoteRelease, or RemoteReleaseOn with the full-press bit,
 *   or BulbEnd) writes a JPEG into DCIM/100CANON of the first storage and
 *   queues ObjectAddedEx (folders first); with CaptureDestination = 4 (host)
 *   it queues RequestObjectTransfer instead and the file is removed again by
 *   TransferComplete, as the image would leave the camera's RAM.
 * - GetViewFinderData answers ObjectNotReady (0xA102) unless live view is on
 *   (EVFOutputDevice = 2, or InitiateViewfinder), else one record of type 1
 *   holding a small JPEG frame.
 * - Operations the personality's DeviceInfo does not list answer
 *   OperationNotSupported, as the real body would (the 60D has no BulbStart
 *   or InitiateViewfinder).
 * - The remote mode (EOS_SetRemoteMode / EOS_GetRemoteMode) belongs to each
 *   connection, and closing its session leaves it.
 * - Simulated, opt-in (`remoteModeRequiredOverPtpIp`): over PTP/IP, until
 *   EOS_SetRemoteMode sets a non-zero mode, everything but the mode, event
 *   and keep-alive operations answers DeviceBusy. libgphoto2 and Rocc put
 *   every body under remote control right after OpenSession, but what a real
 *   body answers without it is not documented (no client tries), so the
 *   built-in personalities do not do it; tests use it to make the step
 *   observable.
 * - Standard properties it describes its own way (the 60D's BatteryLevel)
 *   are answered from the behaviour's table, their descriptor written with
 *   the body's defect byte for byte (see `CANON_DEVICE_PROP_DESC_QUIRKS`).
 * The rest of the state (event mode, queue, properties) belongs to the
 * camera, not to one connection: two initiators polling GetEvent share one queue.
 */
import { EventCode } from '../../core/codes/events.js';
import { ObjectFormatCode } from '../../core/codes/formats.js';
import { OperationCode } from '../../core/codes/operations.js';
import { DevicePropCode } from '../../core/codes/properties.js';
import { ResponseCode } from '../../core/codes/responses.js';
import { DataType } from '../../core/codec/datatypes.js';
import { encodeDevicePropDesc, type DevicePropDesc } from '../../core/datasets/device-prop-desc.js';
import { PtpError } from '../../core/errors.js';
import type { IncomingTransaction, TransactionResult } from '../../core/transport.js';
import { sampleJpeg } from '../../responder/jpeg.js';
import type { StoredObject } from '../../responder/object-store.js';
import { PropertyTable } from '../../responder/device-properties.js';
import type {
  VirtualCamera, VirtualCameraBehaviour, VirtualOperation, VirtualOperationContext,
} from '../../responder/virtual-camera.js';
import { encodeDevicePropDescWithQuirk, type DevicePropDescQuirk } from '../prop-desc-quirks.js';
import {
  CanonDevicePropCode as Dp, CanonDevicePropCode, CanonEventCode, CanonObjectFormatCode, CanonOperationCode as Op,
  CanonOperationCode, CanonResponseCode,
} from './codes.js';
import { encodeEosEvents, type EosEventInit } from './eos-events.js';
import { decodeEosPropSet, type EosPropValue } from './eos-values.js';
import { encodeViewFinderRecords } from './live-view.js';
import { param, readLimited } from '../../responder/incoming.js';
import { writeCanonCapture } from './capture.js';
import { CANON_DEVICE_PROP_DESC_QUIRKS } from './quirks.js';

/** Most events kept for a GetEvent that never comes; older ones are dropped. */
const MAX_QUEUE = 4096;
const MAX_PROP_SET = 4096;
const CAPTURE_SIZE = { width: 640, height: 480 } as const;
const FRAME_SIZE = { width: 160, height: 120 } as const;

/** One EOS property of the virtual body. */
export interface EosVirtualProp {
  value: EosPropValue;
  /** Allowed values (AvailListChanged, form type 3); absent = any. */
  readonly allowed?: readonly number[];
  readonly readOnly?: boolean;
}

/**
 * The properties of the virtual EOS body: current values and lists as the 60D
 * reported them in its libgphoto2 log (serial number made up).
 */
export function eosDefaultProperties(): Map<number, EosVirtualProp> {
  const shutter = [16, 19, 21, 24, 27, 29, 32, 35, 37, 40, 43, 45, 48, 51, 53, 56, 59, 61, 64, 67, 69, 72, 75, 77, 80, 83,
    85, 88, 91, 93, 96, 99, 101, 104, 107, 109, 112, 115, 117, 120, 123, 125, 128, 131, 133, 136, 139, 141, 144, 147, 149,
    152, 155, 157, 160];
  return new Map<number, EosVirtualProp>([
    [Dp.EOS_Aperture, { value: 0x30, allowed: [43, 45, 48, 51, 53, 56, 59, 61, 64, 67, 69, 72, 75, 77, 80, 83, 85] }],
    [Dp.EOS_ShutterSpeed, { value: 0x70, allowed: shutter }],
    [Dp.EOS_ISOSpeed, { value: 0x58, allowed: [0, 72, 75, 77, 80, 83, 85, 88, 91, 93, 96, 99, 101, 104, 107, 109, 112, 115, 117, 120] }],
    [Dp.EOS_ExpCompensation, { value: 0 }],
    [Dp.EOS_AutoExposureMode, { value: 3 }],
    [Dp.EOS_DriveMode, { value: 0, allowed: [0, 4, 5, 17, 16] }],
    [Dp.EOS_MeteringMode, { value: 3, allowed: [3, 4, 1, 5] }],
    [Dp.EOS_FocusMode, { value: 0, allowed: [0, 2, 1] }],
    [Dp.EOS_WhiteBalance, { value: 0, allowed: [0, 1, 8, 2, 3, 4, 5, 6, 9] }],
    [Dp.EOS_ColorSpace, { value: 1, allowed: [1, 2] }],
    [Dp.EOS_PictureStyle, { value: 0x81, allowed: [129, 130, 131, 132, 133, 134, 33, 34, 35] }],
    [Dp.EOS_BatteryPower, { value: 1, readOnly: true }],
    [Dp.EOS_AvailableShots, { value: 0x1f85, readOnly: true }],
    [Dp.EOS_CaptureDestination, { value: 2, allowed: [2, 4, 6] }],
    [Dp.EOS_ImageFormat, { value: [{ type: 1, size: 0, compression: 3 }] }],
    [Dp.EOS_Owner, { value: '' }],
    [Dp.EOS_Artist, { value: '' }],
    [Dp.EOS_Copyright, { value: '' }],
    [Dp.EOS_SerialNumber, { value: '0000012345', readOnly: true }],
    [Dp.EOS_LensName, { value: 'EF-S18-55mm f/3.5-5.6 IS', readOnly: true }],
    [Dp.EOS_EVFOutputDevice, { value: 0, allowed: [0, 1, 2, 3, 4, 5, 6, 7] }],
    [Dp.EOS_EVFMode, { value: 1, allowed: [0, 1] }],
  ]);
}

/** The EOS 60D's BatteryLevel descriptor as its libgphoto2 log shows it (a UINT8 with five steps, at 50%). */
export const EOS_60D_BATTERY_LEVEL: DevicePropDesc = {
  propertyCode: DevicePropCode.BatteryLevel, dataType: DataType.UINT8, getSet: 0,
  factoryDefaultValue: 50, currentValue: 50, form: { kind: 'enum', values: [100, 75, 50, 25, 0] },
};

/** Options of {@link canonEosBehaviour}. */
export interface CanonEosBehaviourOptions {
  /** Standard properties this body describes its own way; they replace the virtual camera's. */
  readonly properties?: readonly DevicePropDesc[];
  /** Descriptor defects to reproduce on the wire for those properties. */
  readonly devicePropDescQuirks?: readonly DevicePropDescQuirk[];
  /**
   * Simulated, off by default: over PTP/IP, answer DeviceBusy to all but the
   * mode, event and keep-alive operations until the connection sets a remote
   * mode (what real bodies answer is not documented).
   */
  readonly remoteModeRequiredOverPtpIp?: boolean;
}

/** What the recorded EOS 60D adds: its BatteryLevel descriptor, written with its defect. */
export const EOS_60D_OPTIONS: CanonEosBehaviourOptions = {
  properties: [EOS_60D_BATTERY_LEVEL],
  devicePropDescQuirks: CANON_DEVICE_PROP_DESC_QUIRKS,
};

/** The Canon EOS behaviour for a recorded EOS personality (one behaviour per virtual camera: it holds the body's state). */
export function canonEosBehaviour(options: CanonEosBehaviourOptions = {}): VirtualCameraBehaviour {
  let responder: CanonEosResponder | undefined;
  return {
    codes: [{
      operation: CanonOperationCode, response: CanonResponseCode, event: CanonEventCode,
      property: CanonDevicePropCode, format: CanonObjectFormatCode,
    }],
    operations: (camera) => {
      responder = new CanonEosResponder(camera, options);
      return responder.operations();
    },
    admit: (t, context) => responder?.admit(t, context),
  };
}

/** What each connection has set (state a body keeps per initiator). */
interface EosConnectionState {
  remoteMode: number;
}

/** What the opted-in EOS body over Wi-Fi answers before it is under remote control. */
const BEFORE_REMOTE_MODE = new Set<number>([
  OperationCode.GetDeviceInfo, OperationCode.CloseSession,
  Op.EOS_SetRemoteMode, Op.EOS_GetRemoteMode, Op.EOS_SetEventMode, Op.EOS_GetEvent, Op.EOS_KeepDeviceOn,
]);

class CanonEosResponder {
  readonly #camera: VirtualCamera;
  readonly #options: CanonEosBehaviourOptions;
  readonly #props = eosDefaultProperties();
  /** Standard properties the body describes its own way (answered before the virtual camera's). */
  readonly #ownProps: PropertyTable;
  #queue: EosEventInit[] = [];
  readonly #connections = new WeakMap<object, EosConnectionState>();
  #eventMode = 0;
  #dumpPending = false;
  #pressed = 0;
  #bulbStartedAt: number | undefined;
  #viewfinder = false;
  #frames = 0;
  #captures = 0;
  /** Handles announced by RequestObjectTransfer and not yet completed. */
  readonly #inRam = new Set<number>();

  constructor(camera: VirtualCamera, options: CanonEosBehaviourOptions) {
    this.#camera = camera;
    this.#options = options;
    this.#ownProps = new PropertyTable(options.properties ?? []);
  }

  #state(context: VirtualOperationContext): EosConnectionState {
    let state = this.#connections.get(context.connection);
    if (state === undefined) {
      state = { remoteMode: 0 };
      this.#connections.set(context.connection, state);
    }
    return state;
  }

  /** A closed session leaves remote control; opted in, PTP/IP work is refused until remote mode is set. */
  admit(t: IncomingTransaction, context: VirtualOperationContext): TransactionResult | undefined {
    const code = t.request.code;
    const state = this.#state(context);
    if (code === OperationCode.CloseSession) state.remoteMode = 0;
    if (this.#options.remoteModeRequiredOverPtpIp !== true) return undefined;
    if (context.wire !== 'ptpip' || state.remoteMode !== 0 || BEFORE_REMOTE_MODE.has(code)) return undefined;
    return { code: ResponseCode.DeviceBusy };
  }

  operations(): ReadonlyMap<number, VirtualOperation> {
    const ops = new Map<number, VirtualOperation>([
      [Op.EOS_SetRemoteMode, async (t, context) => {
        this.#state(context).remoteMode = param(t, 0);
        return ok();
      }],
      [Op.EOS_GetRemoteMode, async (_t, context) => ok([this.#state(context).remoteMode])],
      [Op.EOS_SetEventMode, async (t) => {
        this.#eventMode = param(t, 0);
        this.#dumpPending = this.#eventMode !== 0;
        return ok();
      }],
      [Op.EOS_GetEvent, async () => this.#getEvent()],
      [Op.EOS_SetDevicePropValueEx, (t) => this.#setProp(t)],
      [Op.EOS_RequestDevicePropValue, async (t) => {
        const prop = this.#props.get(param(t, 0));
        if (prop !== undefined) this.#push({ kind: 'propValueChanged', property: param(t, 0), value: prop.value });
        return ok();
      }],
      [Op.EOS_RemoteRelease, async () => {
        const code = await this.#release();
        return code === ResponseCode.OK ? ok([0]) : { code };
      }],
      [Op.EOS_RemoteReleaseOn, async (t) => {
        const button = param(t, 0);
        const wasFull = (this.#pressed & 2) !== 0;
        this.#pressed |= button & 3;
        if ((button & 2) !== 0 && !wasFull) return { code: await this.#release() };
        return ok();
      }],
      [Op.EOS_RemoteReleaseOff, async (t) => {
        this.#pressed &= ~(param(t, 0) & 3);
        return ok();
      }],
      [Op.EOS_BulbStart, async () => {
        if (this.#bulbStartedAt !== undefined) return { code: ResponseCode.DeviceBusy };
        this.#bulbStartedAt = Date.now();
        return ok();
      }],
      [Op.EOS_BulbEnd, async () => {
        if (this.#bulbStartedAt === undefined) return { code: CanonResponseCode.OperationRefused };
        const seconds = Math.round((Date.now() - this.#bulbStartedAt) / 1000);
        this.#bulbStartedAt = undefined;
        this.#push({ kind: 'bulbExposureTime', seconds });
        return { code: await this.#release() };
      }],
      [Op.EOS_InitiateViewfinder, async () => {
        this.#viewfinder = true;
        return ok();
      }],
      [Op.EOS_TerminateViewfinder, async () => {
        this.#viewfinder = false;
        return ok();
      }],
      [Op.EOS_GetViewFinderData, async () => this.#viewFinderData()],
      [Op.EOS_KeepDeviceOn, async () => ok()],
      [Op.EOS_PCHDDCapacity, async () => ok()],
      [Op.EOS_TransferComplete, (t) => this.#transferComplete(param(t, 0))],
    ]);
    const own = this.#ownPropertyOperations();
    // Answer only what the worn DeviceInfo lists (it is known once the camera is built).
    const gated = new Map<number, VirtualOperation>();
    for (const [code, op] of ops) {
      gated.set(code, (t, context) =>
        this.#camera.deviceInfo.operationsSupported.includes(code) ? op(t, context) : Promise.resolve({ code: ResponseCode.OperationNotSupported }));
    }
    for (const [code, op] of own) gated.set(code, op);
    return gated;
  }

  /** Get/Set of the standard properties the body describes its own way; the rest go to the virtual camera's table. */
  #ownPropertyOperations(): ReadonlyMap<number, VirtualOperation> {
    if (this.#ownProps.codes().length === 0) return new Map();
    const tableOf = (code: number): PropertyTable => (this.#ownProps.has(code) ? this.#ownProps : this.#camera.properties);
    return new Map<number, VirtualOperation>([
      [OperationCode.GetDevicePropDesc, async (t) => {
        const desc = tableOf(param(t, 0)).desc(param(t, 0));
        if (desc === undefined) return { code: ResponseCode.DevicePropNotSupported };
        const quirk = this.#ownProps.has(desc.propertyCode)
          ? this.#options.devicePropDescQuirks?.find((q) => q.property === desc.propertyCode && q.declared === desc.dataType)
          : undefined;
        return { code: ResponseCode.OK, data: quirk !== undefined && desc.form.kind === 'enum' ? encodeDevicePropDescWithQuirk(desc, quirk) : encodeDevicePropDesc(desc) };
      }],
      [OperationCode.GetDevicePropValue, async (t) => {
        const value = tableOf(param(t, 0)).encodedValue(param(t, 0));
        return value === undefined ? { code: ResponseCode.DevicePropNotSupported } : { code: ResponseCode.OK, data: value };
      }],
      [OperationCode.SetDevicePropValue, async (t) => {
        const code = param(t, 0);
        const bytes = await readLimited(t.data, MAX_PROP_SET);
        if (bytes === undefined) return { code: ResponseCode.InvalidDevicePropFormat };
        const r = tableOf(code).setEncoded(code, bytes);
        if (!r.ok) return { code: r.code };
        for (const changed of r.changed) setImmediate(() => this.#camera.emit({ code: EventCode.DevicePropChanged, params: [changed] }));
        return ok();
      }],
    ]);
  }

  #push(event: EosEventInit): void {
    this.#queue.push(event);
    if (this.#queue.length > MAX_QUEUE) this.#queue.splice(0, this.#queue.length - MAX_QUEUE);
  }

  async #getEvent(): Promise<TransactionResult> {
    const events: EosEventInit[] = [];
    if (this.#dumpPending) {
      this.#dumpPending = false;
      for (const [property, p] of this.#props) events.push({ kind: 'propValueChanged', property, value: p.value });
      for (const [property, p] of this.#props) {
        if (p.allowed !== undefined) events.push({ kind: 'availListChanged', property, formType: 3, values: p.allowed });
      }
    }
    events.push(...this.#queue);
    this.#queue = [];
    return { code: ResponseCode.OK, data: encodeEosEvents(events) };
  }

  async #setProp(t: IncomingTransaction): Promise<TransactionResult> {
    const bytes = await readLimited(t.data, MAX_PROP_SET);
    if (bytes === undefined) return { code: ResponseCode.InvalidDevicePropFormat };
    let set;
    try {
      set = decodeEosPropSet(bytes);
    } catch (err) {
      if (err instanceof PtpError) return { code: ResponseCode.InvalidDevicePropFormat };
      throw err;
    }
    const prop = this.#props.get(set.property);
    if (prop === undefined) return { code: ResponseCode.DevicePropNotSupported };
    if (prop.readOnly === true) return { code: ResponseCode.AccessDenied };
    const value = set.value;
    if (typeof value !== typeof prop.value || value instanceof Uint8Array !== prop.value instanceof Uint8Array) {
      return { code: ResponseCode.InvalidDevicePropFormat };
    }
    if (prop.allowed !== undefined && (typeof value !== 'number' || !prop.allowed.includes(value))) {
      return { code: ResponseCode.InvalidDevicePropValue };
    }
    if (sameValue(prop.value, value)) return ok();
    prop.value = value instanceof Uint8Array ? value.slice() : value;
    if (set.property === Dp.EOS_EVFOutputDevice) this.#viewfinder = ((value as number) & 2) !== 0;
    this.#push({ kind: 'propValueChanged', property: set.property, value: prop.value });
    return ok();
  }

  /** Takes a picture; returns the response code for the operation that caused it. */
  async #release(): Promise<number> {
    const toHost = this.#props.get(Dp.EOS_CaptureDestination)?.value === 4;
    const shot = await writeCanonCapture(this.#camera, this.#captures, CAPTURE_SIZE);
    if (typeof shot === 'number') return shot;
    this.#captures = shot.number;
    for (const folder of shot.folders) this.#announce(folder, ObjectFormatCode.Association);
    const obj = shot.file;
    if (toHost) {
      this.#inRam.add(obj.handle);
      this.#push({ kind: 'requestObjectTransfer', handle: obj.handle, format: ObjectFormatCode.ExifJpeg, size: Number(obj.size), filename: obj.name });
    } else {
      this.#announce(obj, ObjectFormatCode.ExifJpeg);
    }
    return ResponseCode.OK;
  }

  #announce(obj: StoredObject, format: number): void {
    this.#push({
      kind: 'objectAdded', handle: obj.handle, storageId: obj.storageId, format, size: Number(obj.size),
      parent: obj.parent, filename: obj.name,
    });
  }

  async #viewFinderData(): Promise<TransactionResult> {
    if (!this.#viewfinder) return { code: CanonResponseCode.ObjectNotReady };
    const frame = sampleJpeg(FRAME_SIZE.width, FRAME_SIZE.height, ++this.#frames);
    return { code: ResponseCode.OK, data: encodeViewFinderRecords([{ type: 1, payload: frame }]) };
  }

  async #transferComplete(handle: number): Promise<TransactionResult> {
    const obj = this.#camera.store.get(handle);
    if (obj === undefined) return { code: ResponseCode.InvalidObjectHandle };
    if (this.#inRam.delete(handle)) {
      await this.#camera.store.delete(handle);
      this.#push({ kind: 'objectRemoved', handle });
    }
    return ok();
  }
}

function ok(params: readonly number[] = []): TransactionResult {
  return params.length === 0 ? { code: ResponseCode.OK } : { code: ResponseCode.OK, params };
}


function sameValue(a: EosPropValue, b: EosPropValue): boolean {
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  return JSON.stringify(a instanceof Uint8Array ? [...a] : a) === JSON.stringify(b instanceof Uint8Array ? [...b] : b);
}

