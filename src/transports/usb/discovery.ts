/**
 * Finding cameras on USB: the PTP/MTP devices a {@link UsbDeviceSource} lists,
 * node-usb's WebUSB in Node by default (a browser passes `navigator.usb`, or
 * hands a granted `USBDevice` to `UsbTransport` itself).
 */
import { TransportError } from '../../core/errors.js';
import { findPtpEndpoints, vendorMtpCandidates, type PtpUsbEndpoints } from './endpoints.js';
import { msOsMtpInterface } from './ms-os-descriptor.js';
import { nodeUsbSource, usbUnavailable, type UsbDeviceSource } from './source.js';

/** Which device to pick. */
export interface UsbDeviceFilter {
  readonly vendorId?: number;
  readonly productId?: number;
  readonly serialNumber?: string;
}

/** How to look for devices. */
export interface UsbDiscoveryOptions {
  /** Where devices come from. Default: node-usb's WebUSB, shared by the process. */
  readonly source?: UsbDeviceSource;
  /**
   * Ask vendor-specific devices that could be MTP without an "MTP" interface
   * string for their Microsoft OS descriptor (opens each briefly, then closes
   * it). Default: true in Node.
   */
  readonly probeMsOsDescriptor?: boolean;
}

/** A PTP/MTP device on USB. */
export interface UsbCameraInfo {
  readonly device: USBDevice;
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturer: string | undefined;
  readonly product: string | undefined;
  readonly serialNumber: string | undefined;
  /** How its PTP interface was recognised (see {@link PtpUsbEndpoints.kind}). */
  readonly kind: PtpUsbEndpoints['kind'];
  /** Its PTP interface and endpoints: pass them on as `UsbTransportOptions.endpoints`. */
  readonly endpoints: PtpUsbEndpoints;
}

/** Lists the PTP/MTP devices attached, optionally filtered. */
export async function findUsbCameras(filter: UsbDeviceFilter = {}, options: UsbDiscoveryOptions = {}): Promise<UsbCameraInfo[]> {
  let devices: USBDevice[];
  try {
    devices = await (options.source ?? (await nodeUsbSource())).getDevices();
  } catch (err) {
    throw err instanceof TransportError ? err : usbUnavailable(err);
  }
  const out: UsbCameraInfo[] = [];
  for (const device of devices) {
    const info = await describeUsbCamera(device, filter, options);
    if (info !== undefined) out.push(info);
  }
  return out;
}

/** `device` as a camera when it is a PTP/MTP device matching `filter`; otherwise undefined. */
export async function describeUsbCamera(
  device: USBDevice,
  filter: UsbDeviceFilter = {},
  options: Pick<UsbDiscoveryOptions, 'probeMsOsDescriptor'> = {},
): Promise<UsbCameraInfo | undefined> {
  if (filter.vendorId !== undefined && device.vendorId !== filter.vendorId) return undefined;
  if (filter.productId !== undefined && device.productId !== filter.productId) return undefined;
  if (filter.serialNumber !== undefined && device.serialNumber !== filter.serialNumber) return undefined;
  let endpoints = findPtpEndpoints(device);
  if (endpoints === undefined && (options.probeMsOsDescriptor ?? isNode())) endpoints = await probeMsOsDescriptor(device);
  if (endpoints === undefined) return undefined;
  return {
    device,
    vendorId: device.vendorId,
    productId: device.productId,
    manufacturer: device.manufacturerName ?? undefined,
    product: device.productName ?? undefined,
    serialNumber: device.serialNumber ?? undefined,
    kind: endpoints.kind,
    endpoints,
  };
}

/**
 * The MTP interface of a vendor-specific candidate, from its Microsoft OS
 * descriptor; the device is opened for it only if it was closed, and closed again.
 */
async function probeMsOsDescriptor(device: USBDevice): Promise<PtpUsbEndpoints | undefined> {
  if (vendorMtpCandidates(device).length === 0) return undefined;
  const wasOpen = device.opened;
  try {
    if (!wasOpen) await device.open();
    const n = await msOsMtpInterface(device);
    return n === undefined ? undefined : findPtpEndpoints(device, { msOsMtpInterface: n });
  } catch {
    return undefined; // cannot be opened or asked: not a camera we could use either
  } finally {
    if (!wasOpen && device.opened) await device.close().catch(() => undefined);
  }
}

/** The first matching camera, or a TransportError that says what to check. */
export async function firstUsbCamera(filter: UsbDeviceFilter = {}, options: UsbDiscoveryOptions = {}): Promise<USBDevice> {
  return (await firstUsbCameraInfo(filter, options)).device;
}

/** Like {@link firstUsbCamera}, with what discovery found out about the device. */
export async function firstUsbCameraInfo(filter: UsbDeviceFilter = {}, options: UsbDiscoveryOptions = {}): Promise<UsbCameraInfo> {
  const found = await findUsbCameras(filter, options);
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
  return first;
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
}
