/** `ptpts devices [--watch]`: the PTP/MTP devices on USB, then (with --watch) each one attached or detached. */
import { findUsbCameras, type UsbCameraInfo } from '../transports/usb/discovery.js';
import { watchUsbCameras } from '../transports/usb/hotplug.js';
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
  const options = seams.source !== undefined ? { source: seams.source } : {};
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
  return `${id}  ${d.kind.padEnd(11)}  ${name}${d.serialNumber !== undefined && d.serialNumber !== '' ? `  (${d.serialNumber})` : ''}`;
}

function plain(d: UsbCameraInfo): Omit<UsbCameraInfo, 'device' | 'endpoints'> {
  const { device: _device, endpoints: _endpoints, ...rest } = d;
  return rest;
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
}
