/**
 * Finding cameras on USB in Node, through node-usb's WebUSB implementation (a
 * browser passes a `USBDevice` from `navigator.usb` to `UsbTransport` itself).
 */
import { TransportError } from '../../core/errors.js';
import { findPtpEndpoints } from './endpoints.js';

/** Which device to pick. */
export interface UsbDeviceFilter {
  readonly vendorId?: number;
  readonly productId?: number;
  readonly serialNumber?: string;
}

/** A PTP/MTP device on USB. */
export interface UsbCameraInfo {
  readonly device: USBDevice;
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturer: string | undefined;
  readonly product: string | undefined;
  readonly serialNumber: string | undefined;
  /** `still-image` (class 6) or `mtp` (a vendor interface named MTP). */
  readonly kind: string;
}

/** Lists the PTP/MTP devices attached, optionally filtered. */
export async function findUsbCameras(filter: UsbDeviceFilter = {}): Promise<UsbCameraInfo[]> {
  let devices: USBDevice[];
  try {
    const { WebUSB } = await import('usb');
    devices = await new WebUSB({ allowAllDevices: true }).getDevices();
  } catch (err) {
    throw new TransportError(
      `USB is not available: ${(err as Error).message}. node-usb needs libusb: on Debian/Ubuntu ` +
        '`apt-get install libusb-1.0-0`; on Alpine (musl) `apk add libusb` and a node-usb build for musl',
      { cause: err },
    );
  }
  const out: UsbCameraInfo[] = [];
  for (const device of devices) {
    if (filter.vendorId !== undefined && device.vendorId !== filter.vendorId) continue;
    if (filter.productId !== undefined && device.productId !== filter.productId) continue;
    if (filter.serialNumber !== undefined && device.serialNumber !== filter.serialNumber) continue;
    const endpoints = findPtpEndpoints(device);
    if (endpoints === undefined) continue;
    out.push({
      device,
      vendorId: device.vendorId,
      productId: device.productId,
      manufacturer: device.manufacturerName ?? undefined,
      product: device.productName ?? undefined,
      serialNumber: device.serialNumber ?? undefined,
      kind: endpoints.kind,
    });
  }
  return out;
}

/** The first matching camera, or a TransportError that says what to check. */
export async function firstUsbCamera(filter: UsbDeviceFilter = {}): Promise<USBDevice> {
  const found = await findUsbCameras(filter);
  const first = found[0];
  if (first === undefined) {
    const which = filter.vendorId !== undefined
      ? ` matching ${hex(filter.vendorId)}:${filter.productId !== undefined ? hex(filter.productId) : '*'}`
      : '';
    throw new TransportError(
      `no PTP/MTP camera found on USB${which}: check the cable, that the camera is on and in PTP/MTP ` +
        '(not mass-storage) mode, and on Linux that you may open it (a udev rule such as ' +
        'SUBSYSTEM=="usb", ENV{ID_GPHOTO2}=="1", MODE="0664", GROUP="plugdev")',
    );
  }
  return first.device;
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
}
