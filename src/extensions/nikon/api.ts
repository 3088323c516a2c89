/**
 * Nikon operations on a camera: event polling (GetEvent), DeviceReady
 * waiting, capture into the camera's SDRAM, autofocus, vendor property codes
 * and live view.
 *
 * @example
 * const nk = nikon(camera);
 * await camera.session(async () => {
 *   await nk.captureToSdram();
 *   const added = (await nk.getEvents()).find((e) => e.name === 'ObjectAddedInSDRAM');
 *   const jpeg = await camera.getObject(added!.param);
 * });
 */
import type { Camera } from '../../portable-camera.js';
import { CodeNames } from '../../core/codes/names.js';
import { ResponseCode } from '../../core/codes/responses.js';
import { AbortError, TimeoutError } from '../../core/errors.js';
import { NikonDevicePropCode, NikonEventCode, NikonOperationCode, NikonOperationCode as Op, NikonResponseCode } from './codes.js';
import { decodeNikonEvents, decodeVendorPropCodes, splitLiveViewImage, type NikonLiveViewFrame } from './datasets.js';

/** What the Nikon API needs of a camera. */
export type NikonCamera = Pick<Camera, 'transaction'>;

/** The handle of the image a Nikon keeps in its SDRAM after a capture there (libgphoto2 uses it when the event gives 0). */
export const NIKON_SDRAM_HANDLE = 0xffff0001;

/** A Nikon event from GetEvent, named from the Nikon tables over the standard ones. */
export interface NikonEvent {
  readonly code: number;
  /** `ObjectAddedInSDRAM`, `DevicePropChanged`, ... or undefined for an unknown code. */
  readonly name: string | undefined;
  /** Nikon events carry one parameter (a handle, a property code ...). */
  readonly param: number;
}

/** Options of {@link NikonApi.deviceReady}. */
export interface NikonDeviceReadyOptions {
  /** Give up after this long with a TimeoutError. Default 30000. */
  readonly timeoutMs?: number;
  /** Pause between polls. Default 50 ms. */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

/** Options of {@link NikonApi.pollEvents}. */
export interface NikonPollEventsOptions {
  /** Pause between GetEvent calls that returned nothing. Default 200 ms. */
  readonly intervalMs?: number;
  /** Ends the iteration. */
  readonly signal?: AbortSignal;
}

/** The Nikon API bound to one camera; see {@link nikon}. */
export interface NikonApi {
  /** GetEvent (0x90C7): the events queued in the camera since the last call (Nikon reports most events this way, not as interrupts). */
  getEvents(): Promise<NikonEvent[]>;
  /** Polls GetEvent until `signal` aborts, yielding each event. */
  pollEvents(options?: NikonPollEventsOptions): AsyncIterableIterator<NikonEvent>;
  /**
   * Polls DeviceReady (0x90C8) until the camera is ready: DeviceBusy (0x2019)
   * and Bulb_Release_Busy (0xA200) mean "ask again"; Silent_Release_Busy
   * (0xA201) counts as ready, as libgphoto2 treats it. Any other response
   * throws its PtpResponseError.
   */
  deviceReady(options?: NikonDeviceReadyOptions): Promise<void>;
  /**
   * InitiateCaptureRecInSdram (0x90C0, parameter 0xFFFFFFFF: no autofocus
   * first), then waits for DeviceReady. The image is then announced by an
   * ObjectAddedInSDRAM event and downloadable as {@link NIKON_SDRAM_HANDLE}.
   */
  captureToSdram(options?: NikonDeviceReadyOptions): Promise<void>;
  /** AfDrive (0x90C1), then waits for DeviceReady. OutOfFocus (0xA002) throws. */
  autofocus(options?: NikonDeviceReadyOptions): Promise<void>;
  /** GetVendorPropCodes (0x90CA): Nikon property codes the body has beyond DeviceInfo's list. */
  getVendorPropCodes(): Promise<number[]>;
  /** StartLiveView (0x9201), then waits for DeviceReady. */
  startLiveView(options?: NikonDeviceReadyOptions): Promise<void>;
  /**
   * GetLiveViewImg (0x9203): the JPEG frame (Nikon's header before it, whose
   * size depends on the body, is found and dropped; see `splitLiveViewImage`).
   * NotLiveView (0xA00B) throws when live view is off.
   */
  getLiveViewImage(): Promise<Uint8Array>;
  /** GetLiveViewImg with Nikon's header kept apart from the JPEG. */
  getLiveViewFrame(): Promise<NikonLiveViewFrame>;
  /** EndLiveView (0x9202). */
  endLiveView(): Promise<void>;
}

/** Event names: Nikon's tables over the standard ones. */
const NAMES = new CodeNames([{ event: NikonEventCode, operation: NikonOperationCode, response: NikonResponseCode, property: NikonDevicePropCode }]);

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

const BUSY: readonly number[] = [ResponseCode.DeviceBusy, NikonResponseCode.Bulb_Release_Busy];

/** The Nikon operations of `camera`. */
export function nikon(camera: NikonCamera): NikonApi {
  const getEvents = async (): Promise<NikonEvent[]> => {
    const { data } = await camera.transaction(Op.GetEvent, [], { receive: true });
    return decodeNikonEvents(data ?? new Uint8Array(0)).map((e) => ({ code: e.code, name: NAMES.name('event', e.code), param: e.param }));
  };

  const deviceReady = async (options: NikonDeviceReadyOptions = {}): Promise<void> => {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (options.signal?.aborted === true) throw new AbortError('Nikon DeviceReady: aborted');
      const { code } = await camera.transaction(Op.DeviceReady, [], {
        accept: [...BUSY, NikonResponseCode.Silent_Release_Busy],
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      });
      if (!BUSY.includes(code)) return;
      if (Date.now() >= deadline) throw new TimeoutError(`Nikon DeviceReady: still busy after ${timeoutMs} ms`, timeoutMs);
      await pause(options.intervalMs ?? 50, options.signal);
    }
  };

  return {
    getEvents,
    pollEvents(options = {}) {
      const { signal } = options;
      const pending: NikonEvent[] = [];
      const iterator: AsyncIterableIterator<NikonEvent> = {
        async next() {
          while (pending.length === 0) {
            if (signal?.aborted === true) return { value: undefined, done: true };
            const events = await getEvents();
            if (events.length === 0) await pause(options.intervalMs ?? 200, signal);
            else pending.push(...events);
          }
          return { value: pending.shift()!, done: false };
        },
        async return() {
          pending.length = 0;
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    },
    deviceReady,
    async captureToSdram(options = {}) {
      await camera.transaction(Op.InitiateCaptureRecInSdram, [0xffffffff]);
      await deviceReady(options);
    },
    async autofocus(options = {}) {
      await camera.transaction(Op.AfDrive);
      await deviceReady(options);
    },
    getVendorPropCodes: async () =>
      decodeVendorPropCodes((await camera.transaction(Op.GetVendorPropCodes, [], { receive: true })).data ?? new Uint8Array(0)),
    async startLiveView(options = {}) {
      await camera.transaction(Op.StartLiveView);
      await deviceReady(options);
    },
    getLiveViewImage: async () => splitLiveViewImage(await liveViewBytes(camera)).jpeg,
    getLiveViewFrame: async () => splitLiveViewImage(await liveViewBytes(camera)),
    async endLiveView() {
      await camera.transaction(Op.EndLiveView);
    },
  };
}

async function liveViewBytes(camera: NikonCamera): Promise<Uint8Array> {
  return (await camera.transaction(Op.GetLiveViewImg, [], { receive: true })).data ?? new Uint8Array(0);
}
