/**
 * Canon's PowerShot-era protocol on a camera (compacts up to about 2009; see
 * `isCanonPowerShot(info)`): release control, capture in memory with
 * CheckEvent, GetChanges and the viewfinder. Reached as
 * `canon(camera).powerShot`.
 *
 * Capture follows libgphoto2 (`camera_canon_capture` in camlibs/ptp2/library.c):
 * the event stack is emptied first, then InitiateCaptureInMemory, then
 * CheckEvent is polled until both CaptureComplete and the new image
 * (ObjectAdded of something that is not a folder, or CanonRequestObjectTransfer)
 * have come, in whichever order the body sends them.
 */
import { EventCode } from '../../core/codes/events.js';
import { ObjectFormatCode } from '../../core/codes/formats.js';
import { CodeNames } from '../../core/codes/names.js';
import { OperationCode } from '../../core/codes/operations.js';
import { DataType, encodeValue } from '../../core/codec/datatypes.js';
import { decodeObjectInfo } from '../../core/datasets/object-info.js';
import { ProtocolError, PtpResponseError, TimeoutError } from '../../core/errors.js';
import type { CanonCamera } from './api.js';
import {
  CanonDevicePropCode, CanonEventCode, CanonOperationCode as Op, CanonOperationCode, CanonResponseCode,
} from './codes.js';
import { decodeChangedProperties, decodeCheckEvent } from './powershot.js';

/** An event taken from a PowerShot's event stack by CheckEvent. */
export interface CanonCheckEvent {
  /** Event code (`EventCode.CaptureComplete`, `CanonEventCode.CameraModeChanged` ...). */
  readonly code: number;
  /** Its name in Canon's and the standard tables (`CaptureComplete`, `CanonRequestObjectTransfer` ...), or undefined. */
  readonly name: string | undefined;
  /** The transaction it belongs to; 0xFFFFFFFF (or 0) when none. */
  readonly transactionId: number;
  /** Up to three parameters (ObjectAdded: the object's handle). */
  readonly params: readonly number[];
  /**
   * Present only when the camera wrote a container type other than Event (4);
   * the event is still decoded, as libgphoto2 does.
   */
  readonly containerType?: number;
}

/** Options of {@link CanonPowerShotApi.startRemote}. */
export interface StartRemoteOptions {
  /**
   * Sets EventEmulateMode (0xD045) first: 7 makes the body report only
   * through CheckEvent, which libgphoto2 sets before taking control (modes
   * 3 to 5 report through both CheckEvent and interrupt events, 6 through none).
   */
  readonly eventEmulateMode?: number;
}

/** Options of {@link CanonPowerShotApi.capture}. */
export interface PowerShotCaptureOptions {
  /** How long the whole capture may take, emptying the stack first included. Default 10000 ms. */
  readonly timeoutMs?: number;
  /** Pause between polls that found the stack empty. Default 50 ms. */
  readonly intervalMs?: number;
}

/** What a PowerShot capture announced. */
export interface PowerShotCapture {
  /** Transaction ID of InitiateCaptureInMemory (a CaptureComplete that names a transaction names this one). */
  readonly transactionId: number;
  /** The new image: the last object announced that is not a folder. */
  readonly handle: number;
  /** Every object announced (ObjectAdded, CanonRequestObjectTransfer), new folders first, in order. */
  readonly handles: readonly number[];
  /** The events taken off the stack after InitiateCaptureInMemory, in order. */
  readonly events: readonly CanonCheckEvent[];
  /** Events that were already on the stack before the capture (taken off it first, so they cannot be mistaken for its own). */
  readonly earlier: readonly CanonCheckEvent[];
}

/** The PowerShot-era API bound to one camera; see `canon(camera).powerShot`. */
export interface CanonPowerShotApi {
  /**
   * InitiateReleaseControl, the body's shooting mode under PC control (the
   * lens extends). A body already in it (response 0xA009) is not an error.
   * DeviceInfo is read again afterwards, since it changes with the mode (as
   * libgphoto2 does), when the camera can (`Camera.refreshDeviceInfo`).
   */
  startRemote(options?: StartRemoteOptions): Promise<void>;
  /** TerminateReleaseControl, back to playback; DeviceInfo is read again as after {@link startRemote}. */
  endRemote(): Promise<void>;
  /**
   * Takes a picture: empties the event stack, InitiateCaptureInMemory, then
   * CheckEvent until CaptureComplete and the new image have both come (in
   * either order). Needs {@link startRemote} first. A TimeoutError after
   * `timeoutMs`; a ProtocolError if the stack keeps returning events without them.
   */
  capture(options?: PowerShotCaptureOptions): Promise<PowerShotCapture>;
  /** CheckEvent once: the oldest event on the body's stack, or undefined when it is empty. */
  checkEvent(): Promise<CanonCheckEvent | undefined>;
  /** CheckEvent until the stack is empty (at most `limit`, default 256). */
  checkEvents(limit?: number): Promise<CanonCheckEvent[]>;
  /** GetChanges, the codes of the device properties changed since the last call. */
  getChanges(): Promise<number[]>;
  /** ViewfinderOn, needed before {@link getViewfinderImage}. */
  viewfinderOn(): Promise<void>;
  /** ViewfinderOff. */
  viewfinderOff(): Promise<void>;
  /** GetViewfinderImage, one viewfinder frame as JPEG (the response's first parameter is its size). */
  getViewfinderImage(): Promise<Uint8Array>;
}

/** Canon's names over the standard ones, for the events CheckEvent returns. */
const CANON_NAMES = new CodeNames([{ operation: CanonOperationCode, response: CanonResponseCode, event: CanonEventCode, property: CanonDevicePropCode }]);

/** Most events taken off the stack while emptying it, and again while waiting for one capture. */
const MAX_CAPTURE_EVENTS = 1024;

/** Transaction IDs that name no transaction. */
const NO_TRANSACTION = new Set([0, 0xffffffff]);

/** The PowerShot-era operations of `camera` (what `canon(camera).powerShot` is). */
export function canonPowerShot(camera: CanonCamera): CanonPowerShotApi {
  const run = async (code: number, params: readonly number[] = []): Promise<void> => {
    await camera.transaction(code, params);
  };
  const refresh = async (): Promise<void> => {
    await camera.refreshDeviceInfo?.();
  };
  const checkEvent = async (): Promise<CanonCheckEvent | undefined> => {
    const reply = await camera.transaction(Op.CheckEvent, [], { receive: true });
    const e = decodeCheckEvent(reply.data ?? new Uint8Array(0));
    return e === undefined ? undefined : { ...e, name: CANON_NAMES.name('event', e.code) };
  };
  /** True if `handle` is a folder; undefined when its ObjectInfo cannot be had (libgphoto2 then skips the event). */
  const isFolder = async (handle: number): Promise<boolean | undefined> => {
    try {
      const reply = await camera.transaction(OperationCode.GetObjectInfo, [handle], { receive: true });
      return decodeObjectInfo(reply.data ?? new Uint8Array(0)).objectFormat === ObjectFormatCode.Association;
    } catch (err) {
      if (err instanceof PtpResponseError || err instanceof ProtocolError) return undefined;
      throw err;
    }
  };

  return {
    async startRemote(options: StartRemoteOptions = {}) {
      if (options.eventEmulateMode !== undefined) {
        await camera.transaction(OperationCode.SetDevicePropValue, [CanonDevicePropCode.EventEmulateMode], {
          data: encodeValue(DataType.UINT16, options.eventEmulateMode),
        });
      }
      const reply = await camera.transaction(Op.InitiateReleaseControl, [], { accept: [CanonResponseCode.A009] });
      // Already in shooting mode (0xA009): nothing changed, and libgphoto2 reads nothing again either.
      if (reply.code !== CanonResponseCode.A009) await refresh();
    },
    async endRemote() {
      await run(Op.TerminateReleaseControl);
      await refresh();
    },
    async capture(options: PowerShotCaptureOptions = {}) {
      const { timeoutMs = 10_000, intervalMs = 50 } = options;
      const deadline = Date.now() + timeoutMs;
      const timedOut = (what: string): TimeoutError => new TimeoutError(`PowerShot capture: ${what} within ${timeoutMs} ms`, timeoutMs);

      // What is on the stack now predates the capture: a CaptureComplete or ObjectAdded left there must not end it.
      const earlier: CanonCheckEvent[] = [];
      for (;;) {
        if (Date.now() >= deadline) throw timedOut('the event stack did not empty before the capture');
        const e = await checkEvent();
        if (e === undefined) break;
        earlier.push(e);
        if (earlier.length >= MAX_CAPTURE_EVENTS) {
          throw new ProtocolError(`CheckEvent returned ${MAX_CAPTURE_EVENTS} events before the capture without emptying the stack`, { field: 'CheckEvent' });
        }
      }

      const { transactionId } = await camera.transaction(Op.InitiateCaptureInMemory);
      const handles: number[] = [];
      const events: CanonCheckEvent[] = [];
      let image: number | undefined;
      let complete = false;
      for (;;) {
        if (complete && image !== undefined) return { transactionId, handle: image, handles, events, earlier };
        if (Date.now() >= deadline) {
          throw timedOut(complete ? 'CaptureComplete came but no new image' : `no CaptureComplete for transaction ${transactionId}`);
        }
        if (events.length >= MAX_CAPTURE_EVENTS) {
          throw new ProtocolError(
            `CheckEvent returned ${MAX_CAPTURE_EVENTS} events after InitiateCaptureInMemory (transaction ${transactionId}) ` +
              `without ${complete ? 'a new image' : 'its CaptureComplete'}`,
            { field: 'CheckEvent' },
          );
        }
        const e = await checkEvent();
        if (e === undefined) {
          await pause(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
          continue;
        }
        events.push(e);
        if (e.code === EventCode.CaptureComplete) {
          // One that names another transaction belongs to another capture.
          if (NO_TRANSACTION.has(e.transactionId) || e.transactionId === transactionId) complete = true;
        } else if (e.code === CanonEventCode.CanonRequestObjectTransfer || e.code === EventCode.ObjectAdded) {
          const handle = e.params[0];
          if (handle === undefined) continue;
          handles.push(handle);
          // A transfer request is always the image; an added object may be a new folder for it.
          if (e.code === CanonEventCode.CanonRequestObjectTransfer || (await isFolder(handle)) === false) image = handle;
        }
      }
    },
    checkEvent,
    async checkEvents(limit = 256) {
      const events: CanonCheckEvent[] = [];
      while (events.length < limit) {
        const e = await checkEvent();
        if (e === undefined) break;
        events.push(e);
      }
      return events;
    },
    async getChanges() {
      const reply = await camera.transaction(Op.GetChanges, [], { receive: true });
      return decodeChangedProperties(reply.data ?? new Uint8Array(0));
    },
    viewfinderOn: () => run(Op.ViewfinderOn),
    viewfinderOff: () => run(Op.ViewfinderOff),
    async getViewfinderImage() {
      const reply = await camera.transaction(Op.GetViewfinderImage, [], { receive: true });
      const data = reply.data ?? new Uint8Array(0);
      // libgphoto2 takes the size from the first response parameter and refuses one larger than the data.
      const size = reply.params[0] ?? data.length;
      if (size > data.length) {
        throw new ProtocolError(`GetViewfinderImage announces ${size} bytes but sent ${data.length}`, { field: 'GetViewfinderImage.size' });
      }
      return data.subarray(0, size);
    },
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
