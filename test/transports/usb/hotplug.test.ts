/**
 * Hot plug with a fake WebUSB source: watchUsbCameras reports cameras (and
 * only cameras) as they come and go, and a connected UsbTransport ends at
 * once when the source says its device was unplugged, idle or mid-call.
 */
import { expect } from 'chai';
import type { WebUSB } from 'usb';
import { ContainerType, encodeContainer } from '../../../src/core/container.js';
import { TransportError } from '../../../src/core/errors.js';
import type { OperationRequest } from '../../../src/core/transport.js';
import type { UsbCameraInfo } from '../../../src/transports/usb/discovery.js';
import { watchUsbCameras } from '../../../src/transports/usb/hotplug.js';
import type { UsbDeviceSource } from '../../../src/transports/usb/source.js';
import { UsbTransport } from '../../../src/transports/usb/transport.js';
import { FakeUsbDevice } from './fake-device.js';
import { FakeUsbSource } from './fake-source.js';

const req = (code: number, transactionId: number): OperationRequest => ({ code, sessionId: 1, transactionId, params: [] });

/** A USB device that is no camera: one HID interface. */
function keyboard(): USBDevice {
  const alt = { alternateSetting: 0, interfaceClass: 3, interfaceSubclass: 1, interfaceProtocol: 1, interfaceName: null, endpoints: [] };
  const config = { configurationValue: 1, configurationName: null, interfaces: [{ interfaceNumber: 0, alternate: alt, alternates: [alt], claimed: false }] };
  return { vendorId: 0x046d, productId: 0xc31c, configuration: config, configurations: [config], opened: false } as unknown as USBDevice;
}

/** A camera with its own IDs. */
function camera(productId: number, options: ConstructorParameters<typeof FakeUsbDevice>[0] = {}): FakeUsbDevice {
  const fake = new FakeUsbDevice(options);
  Object.defineProperty(fake, 'productId', { value: productId });
  return fake;
}

async function until(cond: () => boolean, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 1));
  }
}

const ids = (list: readonly UsbCameraInfo[]): number[] => list.map((c) => c.productId);

// navigator.usb and node-usb's WebUSB are sources as they are: checked by `npm run typecheck`
// (mocha strips types, so this is no test), at run time by node-usb.test.ts.
type SourcesFit = [USB, WebUSB] extends [UsbDeviceSource, UsbDeviceSource] ? true : never;
const sourcesFit: SourcesFit = true;
void sourcesFit;

describe('USB hot plug: watchUsbCameras', () => {
  it('lists the cameras present, then reports each camera attached and detached, and nothing else', async () => {
    const a = camera(0xa);
    const source = new FakeUsbSource(a.asDevice, keyboard());
    const attached: UsbCameraInfo[] = [];
    const detached: UsbCameraInfo[] = [];
    const watch = await watchUsbCameras({}, { onAttach: (c) => attached.push(c), onDetach: (c) => detached.push(c) }, { source });
    expect(ids(watch.cameras)).to.deep.equal([0xa]);
    expect(watch.cameras[0]).to.deep.include({ kind: 'still-image', vendorId: 0x1234 });

    const b = camera(0xb, { mtpVendorInterface: true });
    source.attach(keyboard());
    source.attach(b.asDevice);
    await until(() => attached.length === 1);
    expect(ids(attached)).to.deep.equal([0xb]);
    expect(attached[0]!.kind).to.equal('mtp-vendor');
    expect(attached[0]!.device).to.equal(b.asDevice);

    source.detach(source.devices.find((d) => d.vendorId === 0x046d)!); // not a camera: not reported
    source.detach(a.asDevice);
    source.detach(b.asDevice);
    await until(() => detached.length === 2);
    expect(ids(detached)).to.deep.equal([0xa, 0xb]);
    expect(attached).to.have.length(1);
    watch.stop();
  });

  it('recognises a detach that carries another wrapper of the same device (node-usb 2 wraps per WebUSB instance)', async () => {
    const a = camera(0xa);
    const legacy = {};
    Object.assign(a, { device: legacy });
    const source = new FakeUsbSource(a.asDevice);
    const detached: UsbCameraInfo[] = [];
    const watch = await watchUsbCameras({}, { onDetach: (c) => detached.push(c) }, { source });
    source.detach(a.asDevice, { device: legacy } as unknown as USBDevice);
    await until(() => detached.length === 1);
    expect(detached[0]!.device).to.equal(a.asDevice);
    watch.stop();
  });

  it('applies the filter to attached devices too', async () => {
    const source = new FakeUsbSource(camera(0xa).asDevice);
    const attached: UsbCameraInfo[] = [];
    const watch = await watchUsbCameras({ productId: 0xb }, { onAttach: (c) => attached.push(c) }, { source });
    expect(watch.cameras).to.deep.equal([]);
    source.attach(camera(0xc).asDevice);
    source.attach(camera(0xb).asDevice);
    await until(() => attached.length === 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(ids(attached)).to.deep.equal([0xb]);
    watch.stop();
  });

  it('a camera both in the first listing and in a connect event is reported once', async () => {
    const a = camera(0xa);
    const source = new FakeUsbSource();
    // The device shows up while the first listing runs: listed, and its connect event comes too.
    const list = source.getDevices.bind(source);
    source.getDevices = async () => {
      source.attach(a.asDevice);
      return list();
    };
    const attached: UsbCameraInfo[] = [];
    const watch = await watchUsbCameras({}, { onAttach: (c) => attached.push(c) }, { source });
    await new Promise((r) => setTimeout(r, 5));
    expect(ids(watch.cameras)).to.deep.equal([0xa]);
    expect(attached).to.deep.equal([]);
    watch.stop();
  });

  it('stop() removes its listeners: later changes are not reported', async () => {
    const source = new FakeUsbSource();
    const attached: UsbCameraInfo[] = [];
    const watch = await watchUsbCameras({}, { onAttach: (c) => attached.push(c) }, { source });
    expect(source.listenerCount).to.equal(2);
    watch.stop();
    expect(source.listenerCount).to.equal(0);
    source.attach(camera(0xa).asDevice);
    await new Promise((r) => setTimeout(r, 5));
    expect(attached).to.deep.equal([]);
  });
});

describe('USB hot plug: a connected UsbTransport', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  async function connected(options: ConstructorParameters<typeof FakeUsbDevice>[0] = {}): Promise<{ fake: FakeUsbDevice; source: FakeUsbSource; t: UsbTransport }> {
    const fake = new FakeUsbDevice(options);
    const source = new FakeUsbSource(fake.asDevice);
    // No timeout: a call that is not ended by the unplug would hang the test.
    const t = new UsbTransport(fake.asDevice, { source, timeoutMs: 0 });
    cleanups.push(() => t.close());
    await t.open();
    return { fake, source, t };
  }

  it('idle, with no transfer in flight: the unplug ends the link with a TransportError at once', async () => {
    const { fake, source, t } = await connected({ noInterruptEndpoint: true });
    const disconnects: Array<Error | undefined> = [];
    t.onDisconnect((e) => disconnects.push(e));
    expect(fake.calls.filter((c) => c.op === 'transferIn')).to.deep.equal([]);
    source.detach(fake.asDevice);
    expect(disconnects).to.have.length(1);
    expect(disconnects[0]).to.be.instanceOf(TransportError);
    expect(disconnects[0]!.message).to.match(/usb:1234:5678\/FAKE0001 was unplugged/);
    expect(t.isOpen).to.equal(false);
    const err = await t.transaction(req(0x1001, 1)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.match(/is not open: .*was unplugged/);
  });

  it('a call waiting for the device fails at once instead of hanging', async () => {
    const { fake, source, t } = await connected();
    const pending = t.transaction(req(0x1001, 1)).catch((e: unknown) => e);
    await until(() => fake.inRequests.length > 0); // the response read is in flight, and the device stays silent
    const started = Date.now();
    source.detach(fake.asDevice);
    const err = await pending;
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.match(/was unplugged/);
    expect(Date.now() - started).to.be.below(500);
  });

  it('ignores other devices going away', async () => {
    const { source, t } = await connected();
    source.detach(keyboard());
    source.detach(new FakeUsbDevice().asDevice);
    expect(t.isOpen).to.equal(true);
  });

  it('close() stops listening, and after an unplug still releases the interface and closes the handle', async () => {
    const { fake, source, t } = await connected();
    expect(source.listenerCount).to.equal(1);
    source.detach(fake.asDevice);
    expect(source.listenerCount).to.equal(0);
    await t.close();
    expect(fake.calls.map((c) => c.op).slice(-2)).to.deep.equal(['releaseInterface', 'close']);
    expect(fake.opened).to.equal(false);
  });

  it('in a browser, listens to navigator.usb without being told', async () => {
    const fake = new FakeUsbDevice();
    const source = new FakeUsbSource(fake.asDevice);
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { usb: source }, configurable: true, writable: true });
    try {
      const t = new UsbTransport(fake.asDevice);
      cleanups.push(() => t.close());
      await t.open();
      expect(source.listenerCount).to.equal(1);
      source.detach(fake.asDevice);
      expect(t.isOpen).to.equal(false);
    } finally {
      if (saved !== undefined) Object.defineProperty(globalThis, 'navigator', saved);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
  });

  it('events still arrive while listening (sanity: the source does not disturb the link)', async () => {
    const { fake, t } = await connected();
    const events: number[] = [];
    t.onEvent((e) => events.push(e.code));
    fake.event(encodeContainer({ type: ContainerType.Event, code: 0x4002, transactionId: 0, params: [1] }));
    await until(() => events.length === 1);
    expect(events).to.deep.equal([0x4002]);
  });
});
