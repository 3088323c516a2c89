/** `ptpts devices [--watch]`: the PTP/MTP devices on USB, then (with --watch) each one attached or detached. */
import { findUsbCameras, type UsbCameraInfo } from '../transports/usb/discovery.js';
import { watchUsbCameras } from '../transports/usb/hotplug.js';
import { nodeUsbSource } from '../transports/usb/node-usb.js';
import type { UsbDeviceSource } from '../transports/usb/source.js';
import type { Output } from './commands.js';
import { toJson } from './format.js';

/** Options of `ptpts devices`. */
export interface DevicesOptions {
  readonly json?: boolean;
  readonly watch?: boolean;
}

/** Seams for tests: where devices come from, and when a watch ends (default: SIGINT/SIGTERM). */
export interface DevicesSeams {
  readonly source?: UsbDeviceSource;
  readonly stop?: Promise<void>;
}

/** Runs `ptpts devices`. */
export async function devicesCommand(o: DevicesOptions, io: Output, seams: DevicesSeams = {}): Promise<void> {
  // The CLI is Node: node-usb's WebUSB, passed in (the library's browser-safe modules never load it).
  const options = { source: seams.source ?? (await nodeUsbSource()) };
  if (o.watch !== true) {
    const found = await findUsbCameras({}, options);
    if (o.json === true) {
      io.out(toJson(found.map(plain)));
      return;
    }
    if (found.length === 0) io.out('No PTP/MTP device on USB.');
    for (const d of found) io.out(line(d));
    return;
  }
  // --watch: the list, then one line per change; with --json one JSON object per line.
  const print = (event: 'present' | 'attach' | 'detach', d: UsbCameraInfo): void => {
    if (o.json === true) io.out(JSON.stringify({ event, ...plain(d) }));
    else io.out(`${event === 'attach' ? '+ ' : event === 'detach' ? '- ' : ''}${line(d)}`);
  };
  const watch = await watchUsbCameras({}, {
    onAttach: (d) => print('attach', d),
    onDetach: (d) => print('detach', d),
    onError: (e) => io.err(`ptpts: ${e.message}`),
  }, options);
  try {
    for (const d of watch.cameras) print('present', d);
    if (o.json !== true) {
      if (watch.cameras.length === 0) io.out('No PTP/MTP device on USB.');
      io.err('Watching for cameras (+ attached, - detached); Ctrl-C to stop.');
    }
    await (seams.stop ??
      new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      }));
  } finally {
    watch.stop();
  }
}

function line(d: UsbCameraInfo): string {
  const id = `${hex(d.vendorId)}:${hex(d.productId)}`;
  const name = [d.manufacturer, d.product].filter(Boolean).join(' ');
  const serial = d.serialNumber !== undefined && d.serialNumber !== '' ? `  (${d.serialNumber})` : '';
  // A device that may be MTP but could not be opened to find out: shown, with why and the fix.
  const unverified = d.openError !== undefined ? `  [unverified: ${d.openError.message}]` : '';
  return `${id}  ${d.kind.padEnd(11)}  ${name}${serial}${unverified}`;
}

/** A device as JSON: no handles, and the open error as its message. */
function plain(d: UsbCameraInfo): Omit<UsbCameraInfo, 'device' | 'endpoints' | 'openError'> & { openError?: string } {
  const { device: _device, endpoints: _endpoints, openError, ...rest } = d;
  return openError !== undefined ? { ...rest, openError: openError.message } : rest;
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
}
