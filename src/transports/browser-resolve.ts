/**
 * Turns what a user passes as `transport` into a {@link Transport} in a
 * browser: an instance is used as is; `'usb'` and `'usb:VID:PID'` take the
 * first PTP/MTP device among those the page was granted (`navigator.usb`);
 * `'ptpip://'` cannot be reached from a browser, which has no TCP sockets.
 * Loads neither PTP/IP nor node-usb (Node's resolver is `resolve.ts`).
 */
import { TransportError } from '../core/errors.js';
import type { Transport } from '../core/transport.js';
import { parseTransportSpec, type ResolveTransportOptions, type TransportSpec } from './spec.js';
import { findUsbCameras, type UsbCameraInfo } from './usb/discovery.js';
import { requireNavigatorUsb } from './usb/source.js';
import { UsbTransport } from './usb/transport.js';

/**
 * Resolves a transport spec with WebUSB; the default is the first granted USB
 * camera. The page must first have asked the user for the device, from a
 * click: `await navigator.usb.requestDevice({ filters: PTP_USB_FILTERS })`.
 * A Transport instance is used as given.
 */
export async function resolveBrowserTransport(spec: TransportSpec | undefined, _options: ResolveTransportOptions = {}): Promise<Transport> {
  if (spec !== undefined && typeof spec !== 'string') return spec;
  const parsed = parseTransportSpec(spec ?? 'usb');
  if (parsed.kind === 'ptpip') {
    throw new TransportError(
      `PTP/IP needs Node: a browser cannot open TCP connections to ${spec ?? ''}; use USB (WebUSB) here, or ptpts in Node for Wi-Fi`,
    );
  }
  const source = requireNavigatorUsb();
  const filter = {
    ...(parsed.vendorId !== undefined ? { vendorId: parsed.vendorId } : {}),
    ...(parsed.productId !== undefined ? { productId: parsed.productId } : {}),
  };
  // Every device listed was granted by the user to this page, so when none is recognised by its
  // descriptors, the vendor-specific ones may be asked for their Microsoft OS descriptor (MTP without
  // an "MTP" interface name), as Node's discovery does.
  const usable = (cameras: readonly UsbCameraInfo[]): UsbCameraInfo | undefined => cameras.find((c) => c.openError === undefined);
  const camera = usable(await findUsbCameras(filter, { source, probeMsOsDescriptor: false })) ??
    usable(await findUsbCameras(filter, { source, probeMsOsDescriptor: true }));
  if (camera === undefined) {
    const which = spec !== undefined && spec !== 'usb' ? ` matching ${spec}` : '';
    throw new TransportError(
      `no PTP/MTP camera${which} granted to this page: ask the user for it first, from a click, with ` +
        'navigator.usb.requestDevice({ filters: PTP_USB_FILTERS }) (on Windows the camera needs the WinUSB driver, see the README)',
    );
  }
  return new UsbTransport(camera.device, { source, endpoints: camera.endpoints });
}
