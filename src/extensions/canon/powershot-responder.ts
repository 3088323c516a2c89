/**
 * The virtual camera's Canon PowerShot behaviour (worn by `canon-powershot`,
 * the recorded PowerShot A520, and the other recorded PowerShots with remote
 * capture), after libgphoto2's description of the protocol in ptp.h:
 *
 * - InitiateReleaseControl enters the shooting mode under PC control and
 *   pushes StorageInfoChanged and CameraModeChanged onto the event stack;
 *   again while in it, it answers 0xA009. TerminateReleaseControl leaves it
 *   (and turns the viewfinder off) with the same two events.
 * - InitiateCaptureInMemory, in shooting mode, writes a JPEG into
 *   DCIM/100CANON of the first storage and pushes ObjectAdded for each new
 *   folder and the image, then CaptureComplete (carrying the capture's
 *   transaction ID); outside it, OperationRefused (0xA005).
 * - CheckEvent takes the oldest event off the stack (an empty data phase
 *   when there is none). Events go only there: the body is taken to be in
 *   EventEmulateMode 7, which libgphoto2 sets.
 * - GetChanges lists the device properties whose values changed since the
 *   previous GetChanges.
 * - ViewfinderOn/Off; GetViewfinderImage answers a 320x240 JPEG (the size
 *   ptp.c gives) with its size as the first response parameter, or
 *   ObjectNotReady (0xA102) while the viewfinder is off.
 * - Operations the personality's DeviceInfo does not list answer
 *   OperationNotSupported.
 */
import { EventCode } from '../../core/codes/events.js';
import { ResponseCode } from '../../core/codes/responses.js';
import type { PtpEvent, TransactionResult } from '../../core/transport.js';
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

/** The Canon PowerShot behaviour for a recorded PowerShot personality. */
export function canonPowerShotBehaviour(): VirtualCameraBehaviour {
  return {
    codes: [{
      operation: CanonOperationCode, response: CanonResponseCode, event: CanonEventCode,
      property: CanonDevicePropCode, format: CanonObjectFormatCode,
    }],
    events: [CanonEventCode.CameraModeChanged, CanonEventCode.CanonRequestObjectTransfer],
    operations: (camera) => new PowerShotResponder(camera).operations(),
  };
}

class PowerShotResponder {
  readonly #camera: VirtualCamera;
  readonly #stack: PtpEvent[] = [];
  #remote = false;
  #viewfinder = false;
  #captures = 0;
  #frames = 0;
  /** Encoded property values as of the last GetChanges. */
  #seen: Map<number, string>;

  constructor(camera: VirtualCamera) {
    this.#camera = camera;
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
    return gated;
  }

  #push(code: number, params: readonly number[] = [], transactionId = NO_TRANSACTION): void {
    this.#stack.push({ code, transactionId, params });
    if (this.#stack.length > MAX_STACK) this.#stack.splice(0, this.#stack.length - MAX_STACK);
  }

  #modeChanged(): void {
    const storageId = this.#camera.store.storageIds()[0];
    if (storageId !== undefined) this.#push(EventCode.StorageInfoChanged, [storageId]);
    this.#push(CanonEventCode.CameraModeChanged);
  }

  async #capture(transactionId: number): Promise<TransactionResult> {
    if (!this.#remote) return { code: CanonResponseCode.OperationRefused };
    const shot = await writeCanonCapture(this.#camera, this.#captures, CAPTURE_SIZE);
    if (typeof shot === 'number') return { code: shot };
    this.#captures = shot.number;
    for (const folder of shot.folders) this.#push(EventCode.ObjectAdded, [folder.handle]);
    this.#push(EventCode.ObjectAdded, [shot.file.handle]);
    this.#push(EventCode.CaptureComplete, [], transactionId);
    return ok();
  }

  #snapshot(): Map<number, string> {
    const props = this.#camera.properties;
    return new Map(props.codes().map((code) => [code, Buffer.from(props.encodedValue(code) ?? []).toString('hex')]));
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
