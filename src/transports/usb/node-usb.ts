/**
 * node-usb's WebUSB as a {@link UsbDeviceSource}, and the discovery and hot
 * plug helpers with it as their default source: Node only. Kept apart so that
 * `UsbTransport`, discovery and hot plug, which browsers use with
 * `navigator.usb`, never import a module that loads `usb` (a bundler would try
 * to resolve it). `ptpts` exports the helpers from here; `ptpts/browser`
 * exports those of `discovery.ts` and `hotplug.ts`.
 */
import {
  findUsbCameras as findUsbCamerasIn,
  firstUsbCamera as firstUsbCameraIn,
  firstUsbCameraInfo as firstUsbCameraInfoIn,
  type UsbCameraInfo,
  type UsbDeviceFilter,
  type UsbDiscoveryOptions,
} from './discovery.js';
import { watchUsbCameras as watchUsbCamerasIn, type UsbCameraWatch, type UsbCameraWatchHandlers } from './hotplug.js';
import { usbUnavailable, type UsbDeviceSource } from './source.js';

let shared: Promise<UsbDeviceSource> | undefined;

/**
 * node-usb's WebUSB, one instance for the whole process: node-usb wraps each
 * device once per instance, so discovery, hot plug and a transport must share
 * it for a `disconnect` event to carry the same object the caller opened.
 * Pass it as `UsbTransportOptions.source` to a `UsbTransport` you build
 * yourself, so an unplug ends the link at once.
 */
export function nodeUsbSource(): Promise<UsbDeviceSource> {
  shared ??= import('usb').then(
    ({ WebUSB }) => new WebUSB({ allowAllDevices: true }),
    (err: unknown) => {
      shared = undefined;
      throw usbUnavailable(err);
    },
  );
  return shared;
}

/** `options` with node-usb's WebUSB as the source unless one is given. */
async function inNode<O extends UsbDiscoveryOptions>(options: O): Promise<O> {
  return options.source !== undefined ? options : { ...options, source: await nodeUsbSource() };
}

/** Lists the PTP/MTP devices attached, optionally filtered (with the unverified ones, see {@link UsbCameraInfo.openError}). Default source: {@link nodeUsbSource}. */
export async function findUsbCameras(filter: UsbDeviceFilter = {}, options: UsbDiscoveryOptions = {}): Promise<UsbCameraInfo[]> {
  return findUsbCamerasIn(filter, await inNode(options));
}

/** The first matching camera, or a TransportError that says what to check. Default source: {@link nodeUsbSource}. */
export async function firstUsbCamera(filter: UsbDeviceFilter = {}, options: UsbDiscoveryOptions = {}): Promise<USBDevice> {
  return firstUsbCameraIn(filter, await inNode(options));
}

/**
 * Like {@link firstUsbCamera}, with what discovery found out about the device.
 * Devices are asked for their Microsoft OS descriptor only when no still-image
 * or "MTP"-named camera matches. Default source: {@link nodeUsbSource}.
 */
export async function firstUsbCameraInfo(filter: UsbDeviceFilter = {}, options: UsbDiscoveryOptions = {}): Promise<UsbCameraInfo> {
  return firstUsbCameraInfoIn(filter, await inNode(options));
}

/**
 * Lists the cameras matching `filter`, then reports each one attached or
 * detached until `stop()` (which lets node-usb stop its hot plug thread, so
 * the process can exit). Default source: {@link nodeUsbSource}.
 */
export async function watchUsbCameras(
  filter: UsbDeviceFilter,
  handlers: UsbCameraWatchHandlers,
  options: UsbDiscoveryOptions = {},
): Promise<UsbCameraWatch> {
  return watchUsbCamerasIn(filter, handlers, await inNode(options));
}
