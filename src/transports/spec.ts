/**
 * Transport strings (`'usb'`, `'usb:VID:PID'`, `'ptpip://host[:port]'`) and
 * what resolving one takes: parsing only, no transport loaded, so Node's
 * resolver (`resolve.ts`) and the browser's (`browser-resolve.ts`) share it.
 */
import { TransportError } from '../core/errors.js';
import type { Transport } from '../core/transport.js';
import type { PtpIpQuirks, PtpIpQuirksSelector } from './ptpip/transport.js';

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

