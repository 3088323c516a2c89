/**
 * Finding cameras on USB: the PTP/MTP devices a {@link UsbDeviceSource} lists,
 * `navigator.usb` unless told otherwise. Browser-safe: it never loads
 * node-usb. What `ptpts` exports in Node are the wrappers in `node-usb.ts`,
 * whose default source is node-usb's WebUSB.
 */
import { TransportError } from '../../core/errors.js';
import { findPtpEndpoints, type PtpUsbEndpoints } from './endpoints.js';
import { msOsProbeAllowed, probeMsOsDescriptor } from './ms-os-probe.js';
import { requireNavigatorUsb, usbUnavailable, type UsbDeviceSource } from './source.js';

/** Which device to pick. */
export interface UsbDeviceFilter {
  readonly vendorId?: number;
  readonly productId?: number;
  readonly serialNumber?: string;
}

/** How to look for devices. */
export interface UsbDiscoveryOptions {
  /**
   * Where devices come from. Default: node-usb's WebUSB shared by the process
   * (`nodeUsbSource()`) when imported from `ptpts` in Node; `navigator.usb`
   * from `ptpts/browser` (in a browser it lists only the devices the page was
   * granted with `navigator.usb.requestDevice`).
   */
  readonly source?: UsbDeviceSource;
  /**
   * Ask vendor-specific devices that could be MTP without an "MTP" interface
   * string for their Microsoft OS descriptor (opens each briefly, then closes
   * it). Only devices libmtp would ask (see `msOsProbeAllowed`), and none a
   * kernel driver other than usb-storage holds. {@link firstUsbCamera} asks
   * only when no still-image or "MTP"-named camera matches. Default: true in Node.
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
  /**
   * Set when the device looks like an MTP device (a vendor-specific interface
   * with bulk IN, bulk OUT and interrupt IN) but could not be opened to read
   * its Microsoft OS descriptor (busy, permission denied): why, and what to do.
   * It may not be a camera; {@link firstUsbCamera} does not pick it.
   */
  readonly openError?: TransportError;
}

/** Lists the PTP/MTP devices attached, optionally filtered (with the unverified ones, see {@link UsbCameraInfo.openError}). */
export async function findUsbCameras(filter: UsbDeviceFilter = {}, options: UsbDiscoveryOptions = {}): Promise<UsbCameraInfo[]> {
  const out: UsbCameraInfo[] = [];
  for (const device of await listDevices(options)) {
    const info = await describeUsbCamera(device, filter, options);
    if (info !== undefined) out.push(info);
  }
  return out;
}

/** `device` as a camera when it is a PTP/MTP device matching `filter` (or an unverified MTP candidate); otherwise undefined. */
export async function describeUsbCamera(
  device: USBDevice,
  filter: UsbDeviceFilter = {},
  options: Pick<UsbDiscoveryOptions, 'probeMsOsDescriptor'> = {},
): Promise<UsbCameraInfo | undefined> {
  if (!matches(device, filter)) return undefined;
  const endpoints = findPtpEndpoints(device);
  if (endpoints !== undefined) return cameraInfo(device, endpoints);
  return (options.probeMsOsDescriptor ?? isNode()) ? probed(device) : undefined;
}

/** The first matching camera, or a TransportError that says what to check. */
export async function firstUsbCamera(filter: UsbDeviceFilter = {}, options: UsbDiscoveryOptions = {}): Promise<USBDevice> {
  return (await firstUsbCameraInfo(filter, options)).device;
}

/**
 * Like {@link firstUsbCamera}, with what discovery found out about the device.
 * Devices are asked for their Microsoft OS descriptor only when no still-image
 * or "MTP"-named camera matches, so a plain camera is found without opening
 * anything else.
 */
export async function firstUsbCameraInfo(filter: UsbDeviceFilter = {}, options: UsbDiscoveryOptions = {}): Promise<UsbCameraInfo> {
  const devices = (await listDevices(options)).filter((d) => matches(d, filter));
  for (const device of devices) {
    const endpoints = findPtpEndpoints(device);
    if (endpoints !== undefined) return cameraInfo(device, endpoints);
  }
  let unopened: UsbCameraInfo | undefined;
  if (options.probeMsOsDescriptor ?? isNode()) {
    for (const device of devices) {
      const info = await probed(device);
      if (info !== undefined && info.openError === undefined) return info;
      unopened ??= info;
    }
  }
  const which = filter.vendorId !== undefined
    ? ` matching ${hex(filter.vendorId)}:${filter.productId !== undefined ? hex(filter.productId) : '*'}`
    : '';
  if (unopened?.openError !== undefined) {
    // The device that may well be the camera: say why it could not be looked at, and the fix.
    throw new TransportError(`no PTP/MTP camera found on USB${which}; one that may be MTP was not: ${unopened.openError.message}`, { cause: unopened.openError });
  }
  throw new TransportError(
    `no PTP/MTP camera found on USB${which}: check the cable, that the camera is on and in PTP/MTP ` +
      '(not mass-storage) mode, and on Linux that you may open it (a udev rule such as ' +
      'SUBSYSTEM=="usb", ENV{ID_GPHOTO2}=="1", MODE="0664", GROUP="plugdev")',
  );
}

async function listDevices(options: UsbDiscoveryOptions): Promise<USBDevice[]> {
  try {
    return await (options.source ?? requireNavigatorUsb()).getDevices();
  } catch (err) {
    throw err instanceof TransportError ? err : usbUnavailable(err);
  }
}

function matches(device: USBDevice, filter: UsbDeviceFilter): boolean {
  if (filter.vendorId !== undefined && device.vendorId !== filter.vendorId) return false;
  if (filter.productId !== undefined && device.productId !== filter.productId) return false;
  return filter.serialNumber === undefined || device.serialNumber === filter.serialNumber;
}

/** A device the probe rules allow, as its Microsoft OS descriptor (or its failure to open) describes it. */
async function probed(device: USBDevice): Promise<UsbCameraInfo | undefined> {
  if (!msOsProbeAllowed(device)) return undefined;
  const r = await probeMsOsDescriptor(device);
  if (r === undefined) return undefined;
  return 'endpoints' in r ? cameraInfo(device, r.endpoints) : cameraInfo(device, r.candidate, r.openError);
}

function cameraInfo(device: USBDevice, endpoints: PtpUsbEndpoints, openError?: TransportError): UsbCameraInfo {
  return {
    device,
    vendorId: device.vendorId,
    productId: device.productId,
    manufacturer: device.manufacturerName ?? undefined,
    product: device.productName ?? undefined,
    serialNumber: device.serialNumber ?? undefined,
    kind: endpoints.kind,
    endpoints,
    ...(openError !== undefined ? { openError } : {}),
  };
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
}
