/**
 * Turns what a user passes as `transport` into a {@link Transport}:
 * an instance is used as is; `'usb'`, `'usb:VID:PID'` and `'ptpip://host[:port]'`
 * name the built-in transports.
 */
import { TransportError } from '../core/errors.js';
import type { Transport } from '../core/transport.js';
import { PtpIpTransport, type PtpIpQuirks, type PtpIpQuirksSelector } from './ptpip/transport.js';
import { firstUsbCameraInfo } from './usb/discovery.js';
import { nodeUsbSource } from './usb/node-usb.js';
import { UsbTransport } from './usb/transport.js';

/** A transport, or a string naming one. */
export type TransportSpec = Transport | string;

/** Parsed form of a transport string. */
export type ParsedTransportSpec =
  | { readonly kind: 'usb'; readonly vendorId?: number; readonly productId?: number }
  | { readonly kind: 'ptpip'; readonly host: string; readonly port: number };

/** Default PTP/IP port (CIPA DC-005). */
export const PTPIP_DEFAULT_PORT = 15740;

/** Parses `usb`, `usb:04a9:3217`, `ptpip://host`, `ptpip://[::1]:15740`. */
export function parseTransportSpec(spec: string): ParsedTransportSpec {
  const usb = /^usb(?::([0-9a-f]{4}):([0-9a-f]{4}))?$/i.exec(spec);
  if (usb !== null) {
    return usb[1] !== undefined && usb[2] !== undefined
      ? { kind: 'usb', vendorId: parseInt(usb[1], 16), productId: parseInt(usb[2], 16) }
      : { kind: 'usb' };
  }
  const ip = /^ptpip:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/i.exec(spec);
  if (ip !== null && ip[1] !== undefined) {
    const port = ip[2] !== undefined ? Number(ip[2]) : PTPIP_DEFAULT_PORT;
    if (port < 1 || port > 65535) throw new TransportError(`bad port in transport "${spec}"`);
    return { kind: 'ptpip', host: ip[1].replace(/^\[|\]$/g, ''), port };
  }
  throw new TransportError(`unknown transport "${spec}": use usb, usb:VID:PID or ptpip://host[:port]`);
}

/** What a named transport is built with; the caller (`Camera.open`) fills it from the extensions. */
export interface ResolveTransportOptions {
  /** For `ptpip://`: connection quirks, or how to choose them from the Init Command Ack, and the GUID to present. */
  readonly ptpip?: { readonly quirks?: PtpIpQuirks | PtpIpQuirksSelector; readonly guid?: string };
}

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
