/**
 * Where USB devices come from and how their comings and goings are heard: a
 * browser's `navigator.usb`, or node-usb's `WebUSB` in Node. Both list devices
 * with `getDevices()` and fire `connect` / `disconnect` events, so discovery,
 * hot plug and the transport's unplug detection are written once against
 * this shape (and tested with a fake). node-usb's source is in `node-usb.ts`,
 * which only Node code imports.
 */
import { TransportError } from '../../core/errors.js';

/** A `connect` or `disconnect` event: which device came or went. */
export interface UsbConnectionEventLike {
  readonly device: USBDevice;
}

/** Listener of {@link UsbDeviceSource} events. */
export type UsbConnectionListener = (event: UsbConnectionEventLike) => void;

/**
 * What ptpts needs of a WebUSB `USB` object (`navigator.usb`, node-usb's
 * `WebUSB`; `nodeUsbSource()` gives the process's shared one in Node).
 */
export interface UsbDeviceSource {
  /** The devices attached now (in a browser: those the user has granted). */
  getDevices(): Promise<USBDevice[]>;
  /** Calls `listener` with each device attached (`connect`) or detached (`disconnect`) from now on. */
  addEventListener(type: 'connect' | 'disconnect', listener: UsbConnectionListener): void;
  /** Stops calling a listener added with {@link UsbDeviceSource.addEventListener}. */
  removeEventListener(type: 'connect' | 'disconnect', listener: UsbConnectionListener): void;
}

/** A browser's `navigator.usb`, if there is one (WebUSB: Chromium-based browsers, in a secure context). */
export function navigatorUsb(): UsbDeviceSource | undefined {
  return (globalThis as { navigator?: { usb?: UsbDeviceSource } }).navigator?.usb;
}

/**
 * `navigator.usb`, the default source of the browser-safe discovery and hot
 * plug helpers; a TransportError that says what to pass where there is none
 * (Node, or a browser without WebUSB).
 */
export function requireNavigatorUsb(): UsbDeviceSource {
  const usb = navigatorUsb();
  if (usb !== undefined) return usb;
  const inNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  throw new TransportError(
    inNode
      ? 'no USB device source: in Node import from "ptpts" (node-usb by default) or pass { source: await nodeUsbSource() }'
      : 'WebUSB is not available here (no navigator.usb): it needs a Chromium-based browser (Chrome, Edge, Opera) and a secure context (https or localhost)',
  );
}

/** The error for "node-usb or libusb is missing", with what to install. */
export function usbUnavailable(err: unknown): TransportError {
  return new TransportError(
    `USB is not available: ${err instanceof Error ? err.message : String(err)}. node-usb needs libusb: on Debian/Ubuntu ` +
      '`apt-get install libusb-1.0-0`; on Alpine (musl) `apk add libusb` and a node-usb build for musl',
    { cause: err },
  );
}

/**
 * Whether two `USBDevice` objects are the same attached device. The same
 * object in a browser; node-usb 2 wraps one libusb device (its `device`
 * field) in a new object per `WebUSB` instance; node-usb 3 names it by `handle`.
 */
export function sameUsbDevice(a: USBDevice, b: USBDevice): boolean {
  if (a === b) return true;
  const la = (a as { device?: unknown }).device;
  if (typeof la === 'object' && la !== null && la === (b as { device?: unknown }).device) return true;
  const ha = (a as { handle?: unknown }).handle;
  return typeof ha === 'string' && ha === (b as { handle?: unknown }).handle;
}
