/**
 * Hot plug: PTP/MTP cameras as they are attached and detached, from the
 * `connect` / `disconnect` events of a {@link UsbDeviceSource} (node-usb's
 * WebUSB in Node, `navigator.usb` in a browser). Other USB devices are not
 * reported. Browser-safe, like `discovery.ts`: `navigator.usb` unless told
 * otherwise; `ptpts` in Node exports the wrapper in `node-usb.ts`.
 */
import { TransportError } from '../../core/errors.js';
import { describeUsbCamera, type UsbCameraInfo, type UsbDeviceFilter, type UsbDiscoveryOptions } from './discovery.js';
import { requireNavigatorUsb, sameUsbDevice, usbUnavailable, type UsbConnectionListener } from './source.js';

/** What {@link watchUsbCameras} calls. */
export interface UsbCameraWatchHandlers {
  /** A camera was attached (those attached before the watch began are in {@link UsbCameraWatch.cameras}). */
  readonly onAttach?: (camera: UsbCameraInfo) => void;
  /** A camera reported before (or listed in `cameras`) was detached. */
  readonly onDetach?: (camera: UsbCameraInfo) => void;
  /** Looking at a newly attached device failed; the watch goes on. */
  readonly onError?: (error: Error) => void;
}

/** A running watch. */
export interface UsbCameraWatch {
  /** The cameras attached when the watch began. */
  readonly cameras: readonly UsbCameraInfo[];
  /** Stops listening (in Node, node-usb stops its hot plug thread and lets the process exit). */
  stop(): void;
}

/**
 * Lists the cameras matching `filter`, then reports each one attached or
 * detached until `stop()`. Events are handled one at a time, after the first
 * listing, so a camera is never reported twice or detached before attached.
 */
export async function watchUsbCameras(
  filter: UsbDeviceFilter,
  handlers: UsbCameraWatchHandlers,
  options: UsbDiscoveryOptions = {},
): Promise<UsbCameraWatch> {
  const source = options.source ?? requireNavigatorUsb();
  const known: UsbCameraInfo[] = [];
  let stopped = false;
  const report = (err: unknown): void => {
    handlers.onError?.(err instanceof Error ? err : new Error(String(err)));
  };
  const attached = async (device: USBDevice, announce: boolean): Promise<void> => {
    if (stopped || known.some((k) => sameUsbDevice(k.device, device))) return;
    const info = await describeUsbCamera(device, filter, options);
    if (info === undefined || stopped) return;
    known.push(info);
    if (announce) handlers.onAttach?.(info);
  };
  const detached = (device: USBDevice): void => {
    const i = known.findIndex((k) => sameUsbDevice(k.device, device));
    if (i < 0 || stopped) return;
    const [info] = known.splice(i, 1);
    handlers.onDetach?.(info!);
  };
  // Listening starts before the first listing, so nothing attached meanwhile is missed;
  // events wait behind the gate until the listing is done.
  let openGate: () => void = () => undefined;
  let queue = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const onConnect: UsbConnectionListener = (e) => {
    queue = queue.then(() => attached(e.device, true)).catch(report);
  };
  const onDisconnect: UsbConnectionListener = (e) => {
    queue = queue.then(() => detached(e.device)).catch(report);
  };
  source.addEventListener('connect', onConnect);
  source.addEventListener('disconnect', onDisconnect);
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    source.removeEventListener('connect', onConnect);
    source.removeEventListener('disconnect', onDisconnect);
  };
  try {
    for (const device of await source.getDevices()) await attached(device, false);
  } catch (err) {
    stop();
    throw err instanceof TransportError ? err : usbUnavailable(err);
  } finally {
    openGate();
  }
  return { cameras: [...known], stop };
}
