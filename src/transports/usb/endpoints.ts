/**
 * Finding the PTP interface of a USB device: a still-image class interface
 * (class 6, subclass 1, protocol 1), or an MTP device's vendor-specific
 * interface (class 0xFF whose interface string is "MTP"), with a bulk IN, a
 * bulk OUT and an interrupt IN endpoint. Works on the WebUSB `USBDevice`
 * descriptors, so Node (node-usb's WebUSB) and browsers share it.
 */

/** USB interface class of still-image devices. */
export const STILL_IMAGE_CLASS = 0x06;
/** Vendor-specific interface class, used by many MTP devices. */
export const VENDOR_SPECIFIC_CLASS = 0xff;

/** The endpoints and interface a PTP link uses. */
export interface PtpUsbEndpoints {
  /** bConfigurationValue of the configuration holding the interface. */
  readonly configurationValue: number;
  readonly interfaceNumber: number;
  readonly alternateSetting: number;
  /** How the interface was recognised. */
  readonly kind: 'still-image' | 'mtp-vendor';
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
export function ptpInterfaceKind(alt: USBAlternateInterface): PtpUsbEndpoints['kind'] | undefined {
  if (alt.interfaceClass === STILL_IMAGE_CLASS && alt.interfaceSubclass === 1 && alt.interfaceProtocol === 1) return 'still-image';
  if (alt.interfaceClass === VENDOR_SPECIFIC_CLASS && /\bMTP\b/i.test(alt.interfaceName ?? '')) return 'mtp-vendor';
  return undefined;
}

/**
 * Finds the PTP interface, searching the active configuration first and then
 * the others. Undefined when the device has none (with bulk IN and OUT).
 */
export function findPtpEndpoints(device: USBDevice): PtpUsbEndpoints | undefined {
  const configs = [...(device.configuration !== null ? [device.configuration] : []), ...device.configurations];
  for (const config of configs) {
    for (const iface of config.interfaces) {
      // The current alternate first, then the rest.
      for (const alt of [iface.alternate, ...iface.alternates]) {
        if (alt === null || alt === undefined) continue;
        const kind = ptpInterfaceKind(alt);
        if (kind === undefined) continue;
        const found = endpointsOf(alt);
        if (found === undefined) continue;
        return {
          configurationValue: config.configurationValue,
          interfaceNumber: iface.interfaceNumber,
          alternateSetting: alt.alternateSetting,
          kind,
          ...found,
        };
      }
    }
  }
  return undefined;
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
