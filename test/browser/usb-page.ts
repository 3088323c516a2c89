/**
 * The page script of the browser test (usb-in-browser.test.ts bundles it with
 * esbuild for the browser, with no externals, and loads it in headless
 * Chromium). Through `ptpts/browser` (src/browser.ts) and the real
 * UsbTransport, it opens the scripted camera behind a FakeUsbDevice, reads
 * DeviceInfo, lists the storage and objects, downloads each object (into
 * memory and into a WritableStream), reads a property and receives an event;
 * then tries the transport strings. It writes a {@link PageReport} as JSON
 * into `<pre id="report">` for the test to read from the dumped DOM.
 */
import {
  Camera, DevicePropCode, EventCode, PTP_USB_FILTERS, UsbTransport,
  type CameraEvent, type DevicePropDesc, type UsbDeviceSource,
} from '../../src/browser.js';
import { FakeUsbDevice } from '../transports/usb/fake-device.js';
import { FakeUsbSource } from '../transports/usb/fake-source.js';
import { usbResponderLink } from '../transports/usb/usb-responder.js';
import { objectBytes, SCRIPTED, scriptedCameraHandler } from './scripted-camera.js';

/** One object as the page downloaded it. */
export interface PageObject {
  readonly handle: number;
  readonly filename: string;
  readonly size: number;
  /** Bytes of `getObject(handle)`. */
  readonly downloaded: number;
  /** The download equals the scripted bytes, byte for byte. */
  readonly identical: boolean;
  /** The same through `getObject(handle, { to: WritableStream })`. */
  readonly streamedIdentical: boolean;
  /** SHA-256 (hex) of the download, by the browser's crypto.subtle. */
  readonly sha256: string;
}

/** What the page found. */
export interface PageReport {
  readonly ok: boolean;
  readonly error?: string;
  readonly userAgent?: string;
  /** The browser has WebUSB (`navigator.usb`). */
  readonly webUsb?: boolean;
  readonly deviceInfo?: { readonly manufacturer: string; readonly model: string; readonly serialNumber: string };
  readonly extension?: string;
  readonly transportKind?: string;
  readonly storageIds?: number[];
  readonly storageDescription?: string;
  readonly handles?: number[];
  readonly objects?: PageObject[];
  readonly batteryLevel?: number;
  readonly batteryDesc?: { readonly dataType: number; readonly currentValue: unknown };
  readonly event?: { readonly name: string | undefined; readonly params: readonly number[] };
  /** What `Camera.open({ transport: 'ptpip://...' })` rejected with. */
  readonly ptpipError?: string;
  /** `Camera.open({ transport: 'usb' })` with navigator.usb listing a granted fake camera. */
  readonly usbSpec?: { readonly model: string; readonly transportKind: string };
  readonly filters?: unknown;
  readonly ms?: number;
}

/** Uncaught errors and unhandled rejections, at any time: they fail the report, even one written before them. */
const problems: string[] = [];
let last: PageReport = { ok: false, error: 'the page script did not finish' };

/** Marks how far the script got, for a report written before it finished. */
function step(name: string): void {
  write({ ok: false, error: `the page script did not finish: it was at "${name}"` });
}

function write(report: PageReport): void {
  last = report;
  const failed = problems.length > 0 ? { ...last, ok: false, error: [last.error, ...problems].filter((e) => e !== undefined).join('\n') } : last;
  const out = document.getElementById('report');
  if (out !== null) out.textContent = JSON.stringify(failed);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Collects what a WritableStream receives. */
function collector(): { stream: WritableStream<Uint8Array>; bytes(): Uint8Array } {
  const parts: Uint8Array[] = [];
  return {
    stream: new WritableStream<Uint8Array>({ write: (chunk) => void parts.push(chunk.slice()) }),
    bytes: () => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    },
  };
}

/** A scripted camera on a fake USB device. */
function scriptedDevice(): { fake: FakeUsbDevice; link: ReturnType<typeof usbResponderLink> } {
  const fake = new FakeUsbDevice();
  const link = usbResponderLink(fake);
  link.serve(scriptedCameraHandler());
  return { fake, link };
}

async function run(): Promise<PageReport> {
  const started = performance.now();
  const webUsb = typeof (navigator as { usb?: unknown }).usb === 'object';
  const { fake, link } = scriptedDevice();
  step('Camera.open');
  const camera = await Camera.open({ transport: new UsbTransport(fake.asDevice) });
  try {
    const info = camera.deviceInfo;
    const report = await camera.session(async () => {
      step('storages');
      const storageIds = await camera.getStorageIds();
      const storage = await camera.getStorageInfo(storageIds[0] ?? 0);
      const handles = await camera.getObjectHandles(SCRIPTED.storageId);
      const objects: PageObject[] = [];
      for (const handle of handles) {
        step(`object ${handle}`);
        const objectInfo = await camera.getObjectInfo(handle);
        const scripted = SCRIPTED.objects.find((o) => o.handle === handle);
        const expected = scripted !== undefined ? objectBytes(scripted) : new Uint8Array(0);
        const bytes = await camera.getObject(handle);
        const sink = collector();
        await camera.getObject(handle, { to: sink.stream });
        objects.push({
          handle,
          filename: objectInfo.filename,
          size: objectInfo.objectCompressedSize,
          downloaded: bytes.length,
          identical: sameBytes(bytes, expected),
          streamedIdentical: sameBytes(sink.bytes(), expected),
          sha256: await sha256(bytes),
        });
      }
      step('property');
      const batteryDesc: DevicePropDesc = await camera.getDevicePropDesc(DevicePropCode.BatteryLevel);
      const batteryLevel = await camera.getDevicePropValue(DevicePropCode.BatteryLevel);
      step('event');
      // An event on the interrupt endpoint, read by the transport's event loop.
      const heard = new Promise<CameraEvent>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no event within 2 s')), 2000);
        camera.once('event', (e) => {
          clearTimeout(timer);
          resolve(e);
        });
      });
      link.sendEvent({ code: EventCode.ObjectAdded, transactionId: 0, params: [0x42] });
      const event = await heard;
      return {
        storageIds,
        storageDescription: storage.storageDescription,
        handles,
        objects,
        batteryLevel: Number(batteryLevel),
        batteryDesc: { dataType: batteryDesc.dataType, currentValue: batteryDesc.currentValue },
        event: { name: event.name, params: event.params },
      };
    });
    step('ptpip://');
    const ptpipError = await Camera.open({ transport: 'ptpip://192.0.2.1' }).then(
      async (c) => {
        await c.close();
        return 'opened';
      },
      (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)),
    );
    step("'usb'");
    // The page's granted devices, as `navigator.usb.getDevices()` would list them after requestDevice.
    const granted = scriptedDevice();
    Object.defineProperty(navigator, 'usb', { value: new FakeUsbSource(granted.fake.asDevice) satisfies UsbDeviceSource, configurable: true });
    const bySpec = await Camera.open({ transport: 'usb' });
    const usbSpec = { model: bySpec.deviceInfo.model, transportKind: bySpec.transport.kind };
    await bySpec.close();
    return {
      ok: true,
      userAgent: navigator.userAgent,
      webUsb,
      deviceInfo: { manufacturer: info.manufacturer, model: info.model, serialNumber: info.serialNumber },
      extension: camera.extension.name,
      transportKind: camera.transport.kind,
      ...report,
      ptpipError,
      usbSpec,
      filters: PTP_USB_FILTERS,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await camera.close();
  }
}

const describeError = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err));
window.addEventListener('error', (e) => {
  problems.push(`uncaught: ${describeError(e.error ?? e.message)}`);
  write(last);
});
window.addEventListener('unhandledrejection', (e) => {
  problems.push(`unhandled rejection: ${describeError(e.reason)}`);
  write(last);
});
write(last);
run().then(write, (err: unknown) => write({ ok: false, error: describeError(err) }));
