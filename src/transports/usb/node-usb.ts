/**
 * node-usb's WebUSB as a {@link UsbDeviceSource}: Node only. Kept apart from
 * `source.ts` so that `UsbTransport`, which browsers use with `navigator.usb`,
 * never imports a module that loads `usb` (a bundler would try to resolve it).
 */
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
