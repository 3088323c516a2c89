/**
 * `Camera` in Node, what `ptpts` exports: the portable class
 * (`portable-camera.ts`, all of Camera but the transports) with transport
 * strings resolved by Node's resolver: `'usb'` through node-usb, and
 * `'ptpip://host'`. The browser entry exports the portable class itself.
 */
import type { Transport } from './core/transport.js';
import { Camera as PortableCamera, type CameraOpenOptions } from './portable-camera.js';
import { resolveTransport, type ResolveTransportOptions, type TransportSpec } from './transports/resolve.js';

export type {
  CallOptions, CameraEvent, CameraEvents, CameraOpenOptions, CameraSession, Decoded, Destination, DownloadOptions,
  ObjectFilter, OperationResponse, SentObjectInfo, TransactionOptions, TransactionReply,
} from './portable-camera.js';

/**
 * A PTP/MTP device. Get one with {@link Camera.open}.
 *
 * Every method may be called from anywhere at any time: calls queue and run in
 * order, one transaction at a time.
 */
export class Camera<Raw extends boolean = false> extends PortableCamera<Raw> {
  /**
   * Connects to a device, reads its DeviceInfo and picks its extension.
   * `transport`: a Transport, `'usb'` / `'usb:VID:PID'` (node-usb) or
   * `'ptpip://host[:port]'`; default the first USB camera.
   * @example
   * const camera = await Camera.open({ transport: 'ptpip://192.168.1.1' });
   */
  static override open<R extends boolean = false>(options: CameraOpenOptions<R> = {}): Promise<Camera<R>> {
    // The base's open() resolves with, and builds an instance of, the class it was called on: this one
    // (Camera itself when called detached, `const { open } = Camera`).
    return PortableCamera.open.call((this as typeof Camera | undefined) ?? Camera, options) as Promise<Camera<R>>;
  }

  /** Node's resolver: USB through node-usb, and PTP/IP. */
  protected static override resolveTransport(spec: TransportSpec | undefined, options: ResolveTransportOptions): Promise<Transport> {
    return resolveTransport(spec, options);
  }
}
