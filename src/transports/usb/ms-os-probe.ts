/**
 * Which devices may be asked for their Microsoft OS descriptor, and the asking.
 * The request opens the device and sends it a vendor request it may not know,
 * which some devices (colour meters, scanners, JTAG adapters ...) take badly,
 * so ptpts asks no more devices than libmtp does: its rules are ported here
 * (src/libusb1-glue.c `probe_device_descriptor`, and the udev rules that
 * util/mtp-hotplug.c writes to decide which devices mtp-probe may look at).
 */
import { TransportError } from '../../core/errors.js';
import { leaseDevice } from './device-handle.js';
import { findPtpEndpoints, vendorMtpCandidates, type PtpUsbEndpoints } from './endpoints.js';
import { msOsMtpInterface } from './ms-os-descriptor.js';
import { openHint } from './open-hint.js';

/**
 * Device classes (bDeviceClass) that may hold an MTP interface, as libmtp
 * lists them: defined per interface, communications, still image,
 * miscellaneous (interface association), vendor specific.
 */
export const MS_OS_PROBE_DEVICE_CLASSES = [0x00, 0x02, 0x06, 0xef, 0xff] as const;

/**
 * Devices never probed because they misbehave when asked: the list in
 * libmtp's util/mtp-hotplug.c (udev rules that skip mtp-probe), with its
 * comments. A device matches when its vendor ID is `vendorId` and its product
 * ID masked with `productMask` equals `productId` (mask 0: every product).
 */
export const MS_OS_PROBE_DENY_LIST = [
  { vendorId: 0x0670, productId: 0x0000, productMask: 0x0000, reason: 'colour instrument' },
  { vendorId: 0x0765, productId: 0x0000, productMask: 0x0000, reason: 'colour instrument' },
  { vendorId: 0x085c, productId: 0x0000, productMask: 0x0000, reason: 'colour instrument' },
  { vendorId: 0x0971, productId: 0x0000, productMask: 0x0000, reason: 'colour instrument' },
  { vendorId: 0x04a9, productId: 0x2200, productMask: 0xff00, reason: 'Canon scanner that looks like an MTP device' },
  { vendorId: 0x03f0, productId: 0xc500, productMask: 0xff00, reason: 'HP scanner that looks like an MTP device' },
  { vendorId: 0x04a9, productId: 0x3113, productMask: 0xffff, reason: 'Canon camera (EOS 3D) that looks like an MTP device' },
  { vendorId: 0x0cf3, productId: 0x0000, productMask: 0x0000, reason: 'sensitive Atheros device' },
  { vendorId: 0x03eb, productId: 0x0000, productMask: 0x0000, reason: 'sensitive Atmel JTAG programmer' },
  { vendorId: 0x0471, productId: 0x083f, productMask: 0xffff, reason: 'sensitive Philips device' },
  { vendorId: 0x1db2, productId: 0x0600, productMask: 0xfff0, reason: 'DUALi NFC reader' },
  { vendorId: 0x1395, productId: 0x0280, productMask: 0xffff, reason: 'Sennheiser/EPOS ADAPT 160 ANC' },
] as const;

const PRINTER_CLASS = 0x07;
const MASS_STORAGE_CLASS = 0x08;

/** What probing a device found. */
export type MsOsProbeResult =
  /** The descriptor calls this interface MTP. */
  | { readonly endpoints: PtpUsbEndpoints }
  /** It could not be opened (busy, permission): it may be MTP; `candidate` is the interface it would use. */
  | { readonly openError: TransportError; readonly candidate: PtpUsbEndpoints };

/**
 * Whether `device` may be probed, from its descriptors alone: a device class
 * libmtp probes, not on the deny list, no printer interface (libmtp's rules
 * skip those too), and a vendor-specific interface shaped like MTP's (see
 * `vendorMtpCandidates`: exactly three endpoints, bulk IN, bulk OUT, interrupt IN).
 */
export function msOsProbeAllowed(device: USBDevice): boolean {
  if (!(MS_OS_PROBE_DEVICE_CLASSES as readonly number[]).includes(device.deviceClass)) return false;
  if (MS_OS_PROBE_DENY_LIST.some((d) => d.vendorId === device.vendorId && (device.productId & d.productMask) === d.productId)) return false;
  const interfaces = [...(device.configuration !== null ? [device.configuration] : []), ...device.configurations].flatMap((c) => c.interfaces);
  if (interfaces.some((i) => [i.alternate, ...i.alternates].some((a) => a?.interfaceClass === PRINTER_CLASS && a.interfaceSubclass === 1))) return false;
  return vendorMtpCandidates(device).length > 0;
}

/**
 * Asks a device {@link msOsProbeAllowed} lets through for its Microsoft OS
 * descriptor, holding a lease on its handle meanwhile. Undefined when it is
 * not MTP, when a kernel driver holds it, or when asking fails.
 */
export async function probeMsOsDescriptor(device: USBDevice): Promise<MsOsProbeResult | undefined> {
  const candidate = vendorMtpCandidates(device)[0];
  if (candidate === undefined) return undefined;
  let lease;
  try {
    lease = await leaseDevice(device);
  } catch (err) {
    // Not a silent skip: a busy or forbidden MTP device is what the user is looking for.
    const text = err instanceof Error ? err.message : String(err);
    return { openError: new TransportError(`cannot open ${describe(device)} to see whether it is MTP: ${text}${openHint(err)}`, { cause: err }), candidate };
  }
  try {
    if (kernelDriverInTheWay(device)) return undefined;
    const n = await msOsMtpInterface(device);
    const endpoints = n === undefined ? undefined : findPtpEndpoints(device, { msOsMtpInterface: n });
    return endpoints === undefined ? undefined : { endpoints };
  } catch {
    return undefined; // it does not answer the requests: not a device we could use either
  } finally {
    await lease.release().catch(() => undefined);
  }
}

/** The part of node-usb 2's legacy `usb.Device` this reads. */
interface LegacyUsbDevice {
  interface(interfaceNumber: number): { isKernelDriverActive(): boolean };
}

/**
 * libmtp leaves a device alone when a kernel driver is bound to one of its
 * three-endpoint interfaces, unless that interface is mass storage (usb-storage
 * may hold a dual-mode player's interface): another driver means the device is
 * something else, in use. Only node-usb 2 can tell, through the libusb device
 * its WebUSBDevice keeps in a private `device` field; elsewhere (a browser,
 * node-usb 3) the guard is skipped. The device must be open.
 */
function kernelDriverInTheWay(device: USBDevice): boolean {
  const legacy = (device as { device?: unknown }).device;
  if (typeof legacy !== 'object' || legacy === null || typeof (legacy as { interface?: unknown }).interface !== 'function') return false;
  for (const iface of device.configuration?.interfaces ?? []) {
    if (iface.alternate.endpoints.length !== 3 || iface.alternate.interfaceClass === MASS_STORAGE_CLASS) continue;
    try {
      if ((legacy as LegacyUsbDevice).interface(iface.interfaceNumber).isKernelDriverActive()) return true;
    } catch {
      // libusb cannot tell on this platform (LIBUSB_ERROR_NOT_SUPPORTED): no guard.
    }
  }
  return false;
}

function describe(device: USBDevice): string {
  const hex = (n: number): string => n.toString(16).padStart(4, '0');
  return `usb:${hex(device.vendorId)}:${hex(device.productId)}`;
}
