/**
 * Canon operations on a camera. EOS, on `canon(camera)`: remote and event
 * mode, EOS_GetEvent polling as typed events, property setting, remote
 * release, bulb, live view and keep-alive. PowerShot (the pre-EOS protocol of
 * compacts up to about 2009), on `canon(camera).powerShot`: release control,
 * capture, CheckEvent / GetChanges polling and the viewfinder.
 * `isCanonEos(info)` / `isCanonPowerShot(info)` tell which protocol a body speaks.
 *
 * EOS bodies report (almost) nothing through PTP events: property values,
 * new objects and status come from polling EOS_GetEvent. The first poll
 * after `setEventMode(1)` returns every property with its value and list of
 * allowed values.
 *
 * @example
 * const eos = canon(camera);
 * await camera.session(async () => {
 *   await eos.setRemoteMode();
 *   await eos.setEventMode();
 *   const props = await eos.getEvents();          // the initial property dump
 *   await eos.remoteRelease();
 *   for await (const e of eos.pollEvents({ signal })) {
 *     if (e.kind === 'objectAdded') console.log(e.filename, e.handle);
 *   }
 * });
 *
 * @example
 * // A PowerShot-era body (lists InitiateReleaseControl):
 * const powerShot = canon(camera).powerShot;
 * await camera.session(async () => {
 *   await powerShot.startRemote();
 *   const { handle } = await powerShot.capture(); // the new image
 *   await powerShot.endRemote();
 * });
 */
import type { Camera } from '../../portable-camera.js';
import { CanonDevicePropCode as Dp, CanonOperationCode as Op } from './codes.js';
import { decodeEosEvents, type EosEvent } from './eos-events.js';
import { encodeEosPropSet, type EosPropValue } from './eos-values.js';
import { viewFinderJpeg } from './live-view.js';
import { canonPowerShot, type CanonPowerShotApi } from './powershot-api.js';

/**
 * What the Canon API needs of a camera (any `Camera`, raw or not). Without
 * `refreshDeviceInfo`, DeviceInfo is not read again after the PowerShot mode
 * changes.
 */
export type CanonCamera = Pick<Camera, 'transaction' | 'supportsOperation'> & Partial<Pick<Camera, 'refreshDeviceInfo'>>;

/**
 * First parameter of EOS_RemoteReleaseOn / Off: which shutter-button stage
 * (libgphoto2's "Press Half" / "Press Full" use 1 and 3).
 */
export const EosShutterButton = {
  /** Half press: metering and autofocus. */
  Half: 1,
  /** Full press only. */
  Full: 2,
  /** Half and full together: a whole press. */
  HalfAndFull: 3,
} as const;
export type EosShutterButton = (typeof EosShutterButton)[keyof typeof EosShutterButton];

/** Values of EOS_CaptureDestination (0xD11C). */
export const EosCaptureDestination = {
  /** The memory card: new images arrive as `objectAdded`. */
  Card: 2,
  /** The camera's RAM, for the host to fetch: `requestObjectTransfer`, then `transferComplete`. */
  Host: 4,
  /** Both. */
  CardAndHost: 6,
} as const;

/** Values of EOS_EVFOutputDevice (0xD1B0): where live view goes. */
export const EosEvfOutput = { Off: 0, Camera: 1, Host: 2 } as const;

/** Options of {@link CanonApi.pollEvents}. */
export interface PollEventsOptions {
  /** Pause between polls that returned nothing, ms. Default 200. */
  readonly intervalMs?: number;
  /** Ends the iteration (without an error) when aborted. */
  readonly signal?: AbortSignal;
}

/** The Canon API bound to one camera; see {@link canon}. Its methods are EOS ones; PowerShot-era ones are on {@link CanonApi.powerShot}. */
export interface CanonApi {
  /** The PowerShot-era protocol (pre-EOS compacts: `isCanonPowerShot(info)`). */
  readonly powerShot: CanonPowerShotApi;
  /** EOS_SetRemoteMode: 1 (default) puts the body under PC control, 0 releases it. */
  setRemoteMode(mode?: number): Promise<void>;
  /** EOS_SetEventMode: 1 (default) turns on event reporting through GetEvent, 0 off. */
  setEventMode(mode?: number): Promise<void>;
  /** EOS_GetEvent once: the events queued since the last call (none is an empty array). */
  getEvents(): Promise<EosEvent[]>;
  /** Polls EOS_GetEvent and yields each event, pausing `intervalMs` after an empty poll, until `signal` aborts. */
  pollEvents(options?: PollEventsOptions): AsyncIterableIterator<EosEvent>;
  /** EOS_RemoteRelease: one shot (older bodies). Returns the camera's result parameter (0 = released). */
  remoteRelease(): Promise<number>;
  /** EOS_RemoteReleaseOn: press the shutter button to `button`; `manualFocus` skips autofocus. */
  remoteReleaseOn(button: EosShutterButton | number, manualFocus?: boolean): Promise<void>;
  /** EOS_RemoteReleaseOff: release `button`. */
  remoteReleaseOff(button: EosShutterButton | number): Promise<void>;
  /**
   * Opens a bulb exposure: EOS_BulbStart when the body lists it, else a full
   * press without autofocus held until {@link bulbEnd} (the shutter speed must be Bulb).
   */
  bulbStart(): Promise<void>;
  /** Closes a bulb exposure opened by {@link bulbStart}. */
  bulbEnd(): Promise<void>;
  /**
   * Starts live view: EOS_InitiateViewfinder when the body lists it, else
   * EVFOutputDevice = host (what the 60D and bodies of its age need).
   */
  startLiveView(): Promise<void>;
  /** Stops live view the way {@link startLiveView} started it. */
  stopLiveView(): Promise<void>;
  /** EOS_GetViewFinderData: the current live view frame, as JPEG bytes. */
  getViewFinderData(): Promise<Uint8Array>;
  /** EOS_SetDevicePropValueEx: sets an EOS property (numbers as UINT32, names as ASCII). */
  setDevicePropValueEx(property: number, value: EosPropValue): Promise<void>;
  /** EOS_RequestDevicePropValue: asks for `property` to be reported by the next GetEvent. */
  requestDevicePropValue(property: number): Promise<void>;
  /** EOS_KeepDeviceOn: resets the body's auto-power-off timer. */
  keepDeviceOn(): Promise<void>;
  /** EOS_TransferComplete: the host has fetched `handle` (announced by `requestObjectTransfer`). */
  transferComplete(handle: number): Promise<void>;
}

/**
 * The Canon operations of `camera`: EOS ones directly, PowerShot-era ones on
 * `.powerShot`. Which a body speaks: `isCanonEos(info)` / `isCanonPowerShot(info)`.
 */
export function canon(camera: CanonCamera): CanonApi {
  const run = async (code: number, params: readonly number[] = []): Promise<void> => {
    await camera.transaction(code, params);
  };
  let bulbByRelease = false;
  let liveViewByProperty = false;

  const getEvents = async (): Promise<EosEvent[]> => {
    const reply = await camera.transaction(Op.EOS_GetEvent, [], { receive: true });
    return decodeEosEvents(reply.data ?? new Uint8Array(0));
  };
  const setDevicePropValueEx = async (property: number, value: EosPropValue): Promise<void> => {
    await camera.transaction(Op.EOS_SetDevicePropValueEx, [], { data: encodeEosPropSet(property, value) });
  };
  return {
    powerShot: canonPowerShot(camera),
    setRemoteMode: (mode = 1) => run(Op.EOS_SetRemoteMode, [mode]),
    setEventMode: (mode = 1) => run(Op.EOS_SetEventMode, [mode]),
    getEvents,
    async *pollEvents(options: PollEventsOptions = {}) {
      const { intervalMs = 200, signal } = options;
      while (signal?.aborted !== true) {
        const events = await getEvents();
        for (const e of events) yield e;
        if (events.length === 0) await pause(intervalMs, signal);
      }
    },
    async remoteRelease() {
      const reply = await camera.transaction(Op.EOS_RemoteRelease);
      return reply.params[0] ?? 0;
    },
    remoteReleaseOn: (button, manualFocus = false) => run(Op.EOS_RemoteReleaseOn, [button, manualFocus ? 1 : 0]),
    remoteReleaseOff: (button) => run(Op.EOS_RemoteReleaseOff, [button]),
    async bulbStart() {
      bulbByRelease = !camera.supportsOperation(Op.EOS_BulbStart);
      if (bulbByRelease) await run(Op.EOS_RemoteReleaseOn, [EosShutterButton.HalfAndFull, 1]);
      else await run(Op.EOS_BulbStart);
    },
    async bulbEnd() {
      if (bulbByRelease) await run(Op.EOS_RemoteReleaseOff, [EosShutterButton.HalfAndFull]);
      else await run(Op.EOS_BulbEnd);
      bulbByRelease = false;
    },
    async startLiveView() {
      liveViewByProperty = !camera.supportsOperation(Op.EOS_InitiateViewfinder);
      if (liveViewByProperty) await setDevicePropValueEx(Dp.EOS_EVFOutputDevice, EosEvfOutput.Host);
      else await run(Op.EOS_InitiateViewfinder);
    },
    async stopLiveView() {
      if (liveViewByProperty) await setDevicePropValueEx(Dp.EOS_EVFOutputDevice, EosEvfOutput.Off);
      else await run(Op.EOS_TerminateViewfinder);
      liveViewByProperty = false;
    },
    async getViewFinderData() {
      // 0x00100000 is what libgphoto2 sends (taken from a trace of Canon's software).
      const reply = await camera.transaction(Op.EOS_GetViewFinderData, [0x00100000], { receive: true });
      return viewFinderJpeg(reply.data ?? new Uint8Array(0));
    },
    setDevicePropValueEx,
    requestDevicePropValue: (property) => run(Op.EOS_RequestDevicePropValue, [property]),
    keepDeviceOn: () => run(Op.EOS_KeepDeviceOn),
    transferComplete: (handle) => run(Op.EOS_TransferComplete, [handle]),
  };
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
