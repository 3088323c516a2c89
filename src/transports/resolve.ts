/**
 * Turns what a user passes as `transport` into a {@link Transport} in Node:
 * an instance is used as is; `'usb'`, `'usb:VID:PID'` and `'ptpip://host[:port]'`
 * name the built-in transports (USB through node-usb). Browsers use
 * `browser-resolve.ts` instead, which loads neither PTP/IP nor node-usb.
 */
import type { Transport } from '../core/transport.js';
import { PtpIpTransport } from './ptpip/transport.js';
import { parseTransportSpec, type ResolveTransportOptions, type TransportSpec } from './spec.js';
import { firstUsbCameraInfo } from './usb/discovery.js';
import { nodeUsbSource } from './usb/node-usb.js';
import { UsbTransport } from './usb/transport.js';

export {
  parseTransportSpec, PTPIP_DEFAULT_PORT,
  type ParsedTransportSpec, type ResolveTransportOptions, type TransportSpec,
} from './spec.js';

/** Resolves a transport spec; the default is the first USB camera. A Transport instance is used as given. */
export async function resolveTransport(spec: TransportSpec | undefined, options: ResolveTransportOptions = {}): Promise<Transport> {
  if (spec !== undefined && typeof spec !== 'string') return spec;
  const parsed = parseTransportSpec(spec ?? 'usb');
  if (parsed.kind === 'ptpip') {
    const { quirks, guid } = options.ptpip ?? {};
    return new PtpIpTransport({
      host: parsed.host, port: parsed.port,
      ...(quirks !== undefined ? { quirks } : {}),
      ...(guid !== undefined ? { guid } : {}),
    });
  }
  // The source discovery used also tells the transport when the camera is unplugged.
  const source = await nodeUsbSource();
  const camera = await firstUsbCameraInfo(
    {
      ...(parsed.vendorId !== undefined ? { vendorId: parsed.vendorId } : {}),
      ...(parsed.productId !== undefined ? { productId: parsed.productId } : {}),
    },
    { source },
  );
  return new UsbTransport(camera.device, { source, endpoints: camera.endpoints });
}
