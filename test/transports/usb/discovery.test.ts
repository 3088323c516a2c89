/**
 * Discovery with fake devices: which devices are opened and asked for a
 * Microsoft OS descriptor (libmtp's rules: device class, deny list, three
 * endpoints, no foreign kernel driver; and firstUsbCamera asks only when no
 * class-matched camera is there), a possible MTP device that cannot be
 * opened (reported, not dropped), and one device handle shared by discovery
 * and a transport.
 */
import { expect } from 'chai';
import { ContainerType, encodeContainer } from '../../../src/core/container.js';
import { TransportError } from '../../../src/core/errors.js';
import { findUsbCameras, firstUsbCamera, firstUsbCameraInfo, type UsbCameraInfo } from '../../../src/transports/usb/discovery.js';
import { vendorMtpCandidates } from '../../../src/transports/usb/endpoints.js';
import { watchUsbCameras } from '../../../src/transports/usb/hotplug.js';
import { MS_OS_PROBE_DENY_LIST } from '../../../src/transports/usb/ms-os-probe.js';
import { UsbTransport } from '../../../src/transports/usb/transport.js';
import { FakeUsbDevice, type FakeDeviceOptions } from './fake-device.js';
import { FakeUsbSource } from './fake-source.js';

const MTP = { vendorCode: 0x54, compatIds: [{ iface: 0, id: 'MTP' }] } as const;

type Options = FakeDeviceOptions & { readonly vendorId?: number; readonly productId?: number };

function fakeDevice(options: Options = {}): FakeUsbDevice {
  const { vendorId, productId, ...rest } = options;
  const fake = new FakeUsbDevice(rest);
  if (vendorId !== undefined) Object.defineProperty(fake, 'vendorId', { value: vendorId });
  if (productId !== undefined) Object.defineProperty(fake, 'productId', { value: productId });
  return fake;
}

/** A vendor-class device that only its Microsoft OS descriptor calls MTP. */
const msOsDevice = (options: Options = {}): FakeUsbDevice => fakeDevice({ unnamedVendorInterface: true, msOs: MTP, ...options });

const asked = (fake: FakeUsbDevice): boolean => fake.calls.some((c) => c.op === 'controlTransferIn');

async function found(...fakes: FakeUsbDevice[]): Promise<UsbCameraInfo[]> {
  return findUsbCameras({}, { source: new FakeUsbSource(...fakes.map((f) => f.asDevice)), probeMsOsDescriptor: true });
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('USB discovery: which devices are asked for their Microsoft OS descriptor (libmtp\'s rules)', () => {
  it('device classes 00, 02, 06, EF and FF are asked; others (hub, video, wireless controller ...) are not even opened', async () => {
    for (const deviceClass of [0x00, 0x02, 0x06, 0xef, 0xff]) {
      const fake = msOsDevice({ deviceClass });
      expect((await found(fake)).map((c) => c.kind), `class ${deviceClass}`).to.deep.equal(['mtp-ms-os']);
    }
    for (const deviceClass of [0x03, 0x09, 0x0e, 0xe0, 0xfe]) {
      const fake = msOsDevice({ deviceClass });
      expect(await found(fake), `class ${deviceClass}`).to.deep.equal([]);
      expect(fake.calls, `class ${deviceClass}`).to.deep.equal([]);
    }
  });

  it('devices on libmtp\'s deny list (colour meters, scanners, JTAG adapters ...) are never opened', async () => {
    for (const entry of MS_OS_PROBE_DENY_LIST) {
      // A product ID inside the entry's range (any bits the mask leaves free set).
      const fake = msOsDevice({ vendorId: entry.vendorId, productId: entry.productId | (0x1a2b & ~entry.productMask) });
      expect(await found(fake), entry.reason).to.deep.equal([]);
      expect(fake.calls, entry.reason).to.deep.equal([]);
    }
    // Next to a range is not in it: a Canon 0x23nn is asked.
    const canon = msOsDevice({ vendorId: 0x04a9, productId: 0x2301 });
    expect((await found(canon)).map((c) => c.kind)).to.deep.equal(['mtp-ms-os']);
  });

  it('an interface with other than three endpoints is not asked', async () => {
    const four = msOsDevice({ extraEndpoint: true });
    const two = msOsDevice({ noInterruptEndpoint: true });
    expect(await found(four, two)).to.deep.equal([]);
    expect([...four.calls, ...two.calls]).to.deep.equal([]);
  });

  it('a device with a printer interface is not asked', async () => {
    const fake = msOsDevice();
    const printer = { alternateSetting: 0, interfaceClass: 7, interfaceSubclass: 1, interfaceProtocol: 2, interfaceName: null, endpoints: [] };
    fake.configurations[0]!.interfaces.push({ interfaceNumber: 1, alternate: printer, alternates: [printer], claimed: false } as unknown as USBInterface);
    expect(await found(fake)).to.deep.equal([]);
    expect(fake.calls).to.deep.equal([]);
  });

  it('a kernel driver bound to the interface (node-usb 2 can tell): opened to look, nothing asked, closed again', async () => {
    const bound = msOsDevice({ kernelDriverActive: true });
    expect(await found(bound)).to.deep.equal([]);
    expect(asked(bound)).to.equal(false);
    expect(bound.calls.map((c) => c.op)).to.deep.equal(['open', 'close']);
    const free = msOsDevice({ kernelDriverActive: false });
    expect((await found(free)).map((c) => c.kind)).to.deep.equal(['mtp-ms-os']);
  });

  it('firstUsbCamera: with a still-image camera attached, no other device is opened', async () => {
    const camera = fakeDevice();
    const candidate = msOsDevice({ vendorId: 0x12d1 });
    const info = await firstUsbCameraInfo({}, { source: new FakeUsbSource(candidate.asDevice, camera.asDevice), probeMsOsDescriptor: true });
    expect(info.device).to.equal(camera.asDevice);
    expect(candidate.calls).to.deep.equal([]);
  });

  it('firstUsbCamera: with no class-matched camera, asks the candidates and takes an MTP one', async () => {
    const notMtp = msOsDevice({ vendorId: 0x12d1, msOs: { vendorCode: 0x54, compatIds: [{ iface: 0, id: 'WINUSB' }] } });
    const mtp = msOsDevice({ vendorId: 0x2717 });
    const info = await firstUsbCameraInfo({}, { source: new FakeUsbSource(notMtp.asDevice, mtp.asDevice), probeMsOsDescriptor: true });
    expect(info.device).to.equal(mtp.asDevice);
    expect(info.kind).to.equal('mtp-ms-os');
    expect(asked(notMtp)).to.equal(true);
  });

  it('firstUsbCamera with a vid:pid filter asks only the devices that match it', async () => {
    const other = msOsDevice({ vendorId: 0x12d1 });
    const wanted = msOsDevice({ vendorId: 0x2717, productId: 0xff40 });
    const info = await firstUsbCameraInfo({ vendorId: 0x2717, productId: 0xff40 }, { source: new FakeUsbSource(other.asDevice, wanted.asDevice), probeMsOsDescriptor: true });
    expect(info.device).to.equal(wanted.asDevice);
    expect(other.calls).to.deep.equal([]);
  });

  it('hot plug: an attached device is judged by the same rules', async () => {
    const source = new FakeUsbSource();
    const attached: UsbCameraInfo[] = [];
    const watch = await watchUsbCameras({}, { onAttach: (c) => attached.push(c) }, { source, probeMsOsDescriptor: true });
    try {
      const denied = msOsDevice({ vendorId: 0x0cf3 });
      const hub = msOsDevice({ deviceClass: 0x09 });
      const bound = msOsDevice({ kernelDriverActive: true });
      const mtp = msOsDevice({ vendorId: 0x2717 });
      for (const f of [denied, hub, bound, mtp]) source.attach(f.asDevice);
      await until(() => attached.length === 1);
      expect(attached[0]!.device).to.equal(mtp.asDevice);
      expect([...denied.calls, ...hub.calls]).to.deep.equal([]);
      expect(asked(bound)).to.equal(false);
    } finally {
      watch.stop();
    }
  });
});

describe('USB discovery: a device that may be MTP but cannot be opened', () => {
  const busy = (): Error => new Error('open error: LIBUSB_ERROR_BUSY');
  const denied = (): Error => new Error('open error: LIBUSB_ERROR_ACCESS');

  it('findUsbCameras lists it, unverified, with the open error and what to do', async () => {
    const fake = msOsDevice({ openError: busy() });
    const list = await found(fake);
    expect(list).to.have.length(1);
    expect(list[0]!.kind).to.equal('mtp-ms-os');
    expect(list[0]!.openError).to.be.instanceOf(TransportError);
    expect(list[0]!.openError!.message).to.match(/cannot open usb:1234:5678 to see whether it is MTP: open error: LIBUSB_ERROR_BUSY\. The device is busy/);
  });

  it('firstUsbCamera: "no camera found" says which device could not be opened, why, and the fix', async () => {
    const fake = msOsDevice({ openError: denied() });
    const err = await firstUsbCamera({}, { source: new FakeUsbSource(fake.asDevice), probeMsOsDescriptor: true }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.match(/^no PTP\/MTP camera found on USB; one that may be MTP was not: cannot open usb:1234:5678 .*LIBUSB_ERROR_ACCESS\. Permission denied: .*udev rule/);
  });

  it('firstUsbCamera takes an MTP device that opens over one that does not', async () => {
    const stuck = msOsDevice({ vendorId: 0x12d1, openError: busy() });
    const fine = msOsDevice({ vendorId: 0x2717 });
    const info = await firstUsbCameraInfo({}, { source: new FakeUsbSource(stuck.asDevice, fine.asDevice), probeMsOsDescriptor: true });
    expect(info.device).to.equal(fine.asDevice);
    expect(info.openError).to.equal(undefined);
  });
});

describe('USB discovery and a transport share one device handle', () => {
  const response = (tid: number): Uint8Array => encodeContainer({ type: ContainerType.Response, code: 0x2001, transactionId: tid, params: [] });

  it('a transport opened while discovery is reading the descriptor keeps its handle when discovery is done', async () => {
    const fake = msOsDevice();
    let letGo: () => void = () => undefined;
    fake.holdControlIn = new Promise<void>((r) => (letGo = r));
    const listing = found(fake);
    await until(() => fake.opened && asked(fake)); // discovery has the device open and is waiting for an answer
    const t = new UsbTransport(fake.asDevice, { timeoutMs: 2000, endpoints: vendorMtpCandidates(fake.asDevice)[0]! });
    await t.open();
    fake.holdControlIn = undefined;
    letGo();
    expect((await listing).map((c) => c.kind)).to.deep.equal(['mtp-ms-os']);
    expect(fake.opened).to.equal(true);
    fake.respond(response(1));
    expect(await t.transaction({ code: 0x1001, sessionId: 0, transactionId: 1, params: [] })).to.deep.include({ code: 0x2001 });
    await t.close();
    expect(fake.opened).to.equal(false);
    expect(fake.calls.filter((c) => c.op === 'open' || c.op === 'close').map((c) => c.op)).to.deep.equal(['open', 'close']);
  });

  it('a transport closed while discovery is reading the descriptor leaves the handle to discovery, which closes it after', async () => {
    const fake = msOsDevice();
    const t = new UsbTransport(fake.asDevice, { timeoutMs: 2000 });
    await t.open();
    let letGo: () => void = () => undefined;
    fake.holdControlIn = new Promise<void>((r) => (letGo = r));
    const controls = (): number => fake.calls.filter((c) => c.op === 'controlTransferIn').length;
    const before = controls();
    const listing = found(fake);
    await until(() => controls() > before);
    await t.close();
    expect(fake.opened).to.equal(true); // discovery still uses it
    fake.holdControlIn = undefined;
    letGo();
    expect((await listing).map((c) => c.kind)).to.deep.equal(['mtp-ms-os']);
    expect(fake.opened).to.equal(false);
  });
});
