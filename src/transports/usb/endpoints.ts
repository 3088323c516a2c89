/**
 * Finding the PTP interface of a USB device: a still-image class interface
 * (class 6, subclass 1, protocol 1), or an MTP device's vendor-specific
 * interface (class 0xFF whose interface string is "MTP", or that the Microsoft
 * OS descriptor calls MTP), with a bulk IN, a bulk OUT and an interrupt IN
 * endpoint. Works on the WebUSB `USBDevice` descriptors, so Node (node-usb's
 * WebUSB) and browsers share it.
 */

/** USB interface class of still-image devices. */
export const STILL_IMAGE_CLASS = 0x06;
/** Vendor-specific interface class, used by many MTP devices. */
export const VENDOR_SPECIFIC_CLASS = 0xff;

/**
 * WebUSB filters for the devices ptpts can drive, for a page's
 * `navigator.usb.requestDevice({ filters: PTP_USB_FILTERS })`: a still-image
 * interface (class 6/1/1: cameras, and phones in PTP mode) or a
 * vendor-specific one of subclass 0xFF (the MTP interface of Android phones
 * and most other MTP players; add a `{ vendorId }` filter for a device whose
 * MTP interface has another subclass). A filter's class matches the device's
 * class or any of its interfaces'. Frozen; typed as WebUSB's mutable array so
 * that it can be passed as it is.
 */
export const PTP_USB_FILTERS: USBDeviceFilter[] = Object.freeze([
  Object.freeze({ classCode: STILL_IMAGE_CLASS, subclassCode: 1, protocolCode: 1 }),
  Object.freeze({ classCode: VENDOR_SPECIFIC_CLASS, subclassCode: 0xff }),
]) as USBDeviceFilter[];

/** The endpoints and interface a PTP link uses. */
export interface PtpUsbEndpoints {
  /** bConfigurationValue of the configuration holding the interface. */
  readonly configurationValue: number;
  readonly interfaceNumber: number;
  readonly alternateSetting: number;
  /**
   * How the interface was recognised: `still-image` (class 6/1/1), `mtp-vendor`
   * (class 0xFF named "MTP"), `mtp-ms-os` (class 0xFF that the device's Microsoft
   * OS descriptor gives the compatible ID "MTP").
   */
  readonly kind: 'still-image' | 'mtp-vendor' | 'mtp-ms-os';
  readonly bulkIn: UsbEndpointInfo;
  readonly bulkOut: UsbEndpointInfo;
  /** Absent on a few devices that have no event endpoint. */
  readonly interruptIn: UsbEndpointInfo | undefined;
}

/** One endpoint: its number (without the direction bit) and max packet size. */
export interface UsbEndpointInfo {
  readonly endpointNumber: number;
  readonly packetSize: number;
}

/** How an alternate setting qualifies as a PTP interface, or undefined. */
export function ptpInterfaceKind(alt: USBAlternateInterface): 'still-image' | 'mtp-vendor' | undefined {
  if (alt.interfaceClass === STILL_IMAGE_CLASS && alt.interfaceSubclass === 1 && alt.interfaceProtocol === 1) return 'still-image';
  if (alt.interfaceClass === VENDOR_SPECIFIC_CLASS && /\bMTP\b/i.test(alt.interfaceName ?? '')) return 'mtp-vendor';
  return undefined;
}

/**
 * Finds the PTP interface, searching the active configuration first and then
 * the others. Undefined when the device has none (with bulk IN and OUT).
 * `msOsMtpInterface`: the interface the device's Microsoft OS descriptor calls
 * MTP (see `msOsMtpInterface()`), accepted if it is a {@link vendorMtpCandidates} one.
 */
export function findPtpEndpoints(device: USBDevice, options: { readonly msOsMtpInterface?: number } = {}): PtpUsbEndpoints | undefined {
  for (const { config, iface, alt } of alternates(device)) {
    const kind = ptpInterfaceKind(alt);
    if (kind === undefined) continue;
    const found = endpointsOf(alt);
    if (found === undefined) continue;
    return { configurationValue: config.configurationValue, interfaceNumber: iface.interfaceNumber, alternateSetting: alt.alternateSetting, kind, ...found };
  }
  const n = options.msOsMtpInterface;
  return n === undefined ? undefined : vendorMtpCandidates(device).find((c) => c.interfaceNumber === n);
}

/**
 * Vendor-specific interfaces that could be MTP without saying so: exactly
 * three endpoints, bulk IN, bulk OUT and interrupt IN (libmtp asks no other
 * interface), no "MTP" name, on a device with no still-image interface
 * (those never need the Microsoft OS descriptor asked). Only the descriptor
 * can tell (ADB, for one, is also class 0xFF, but has no interrupt endpoint).
 */
export function vendorMtpCandidates(device: USBDevice): PtpUsbEndpoints[] {
  const out: PtpUsbEndpoints[] = [];
  const all = [...alternates(device)];
  if (all.some(({ alt }) => alt.interfaceClass === STILL_IMAGE_CLASS || ptpInterfaceKind(alt) !== undefined)) return out;
  for (const { config, iface, alt } of all) {
    if (alt.interfaceClass !== VENDOR_SPECIFIC_CLASS || alt.endpoints.length !== 3) continue;
    const found = endpointsOf(alt);
    if (found?.interruptIn === undefined) continue;
    if (out.some((c) => c.interfaceNumber === iface.interfaceNumber && c.configurationValue === config.configurationValue)) continue;
    out.push({ configurationValue: config.configurationValue, interfaceNumber: iface.interfaceNumber, alternateSetting: alt.alternateSetting, kind: 'mtp-ms-os', ...found });
  }
  return out;
}

/** Every alternate setting, the active configuration and current alternates first. */
function* alternates(device: USBDevice): Generator<{ config: USBConfiguration; iface: USBInterface; alt: USBAlternateInterface }> {
  const configs = [...(device.configuration !== null ? [device.configuration] : []), ...device.configurations];
  for (const config of configs) {
    for (const iface of config.interfaces) {
      for (const alt of [iface.alternate, ...iface.alternates]) {
        if (alt === null || alt === undefined) continue;
        yield { config, iface, alt };
      }
    }
  }
}

function endpointsOf(alt: USBAlternateInterface): Pick<PtpUsbEndpoints, 'bulkIn' | 'bulkOut' | 'interruptIn'> | undefined {
  const pick = (direction: USBDirection, type: USBEndpointType): UsbEndpointInfo | undefined => {
    const ep = alt.endpoints.find((e) => e.direction === direction && e.type === type);
    return ep === undefined ? undefined : { endpointNumber: ep.endpointNumber, packetSize: ep.packetSize };
  };
  const bulkIn = pick('in', 'bulk');
  const bulkOut = pick('out', 'bulk');
  if (bulkIn === undefined || bulkOut === undefined) return undefined;
  return { bulkIn, bulkOut, interruptIn: pick('in', 'interrupt') };
}
