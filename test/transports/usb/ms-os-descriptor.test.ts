/**
 * MTP devices on a vendor-specific interface with no "MTP" name, recognised by
 * their Microsoft OS 1.0 descriptor: decoding, discovery (which opens such a
 * candidate only briefly and never asks a still-image device), and opening.
 */
import { expect } from 'chai';
import { findUsbCameras } from '../../../src/transports/usb/discovery.js';
import { decodeExtendedCompatId, decodeMsOsStringDescriptor } from '../../../src/transports/usb/ms-os-descriptor.js';
import { UsbTransport } from '../../../src/transports/usb/transport.js';
import { FakeUsbDevice, type FakeCall, type FakeDeviceOptions } from './fake-device.js';
import { FakeUsbSource } from './fake-source.js';

const view = (bytes: number[] | Uint8Array): DataView => {
  const b = Uint8Array.from(bytes);
  return new DataView(b.buffer);
};

/** The 0xEE string descriptor: "MSFT100" in UTF-16LE, then the vendor code and a pad byte. */
const msftString = (vendorCode: number, signature = 'MSFT100'): number[] => [18, 3, ...[...signature].flatMap((c) => [c.charCodeAt(0), 0]), vendorCode, 0];

const controls = (calls: readonly FakeCall[]): USBControlTransferParameters[] =>
  calls.flatMap((c) => (c.op === 'controlTransferIn' ? [c.setup] : []));

async function discover(options: FakeDeviceOptions, opened = false): Promise<{ fake: FakeUsbDevice; kinds: string[]; interfaces: number[] }> {
  const fake = new FakeUsbDevice(options);
  fake.opened = opened;
  const found = await findUsbCameras({}, { source: new FakeUsbSource(fake.asDevice), probeMsOsDescriptor: true });
  return { fake, kinds: found.map((f) => f.kind), interfaces: found.map((f) => f.endpoints.interfaceNumber) };
}

describe('USB: Microsoft OS descriptors', () => {
  describe('decoding', () => {
    it('the 0xEE string descriptor gives the vendor code; anything else gives nothing', () => {
      expect(decodeMsOsStringDescriptor(view(msftString(0x54)))).to.equal(0x54);
      expect(decodeMsOsStringDescriptor(view(msftString(0x54, 'MSFT200')))).to.equal(undefined);
      expect(decodeMsOsStringDescriptor(view(msftString(0x54).slice(0, 16)))).to.equal(undefined);
      expect(decodeMsOsStringDescriptor(undefined)).to.equal(undefined);
    });

    it('the Extended Compat ID descriptor: a 16-byte header, then 24 bytes per function', () => {
      const d = new Uint8Array(16 + 2 * 24);
      const v = new DataView(d.buffer);
      v.setUint32(0, d.length, true);
      v.setUint16(4, 0x0100, true);
      v.setUint16(6, 4, true);
      d[8] = 2;
      d.set([0, 1, ...Buffer.from('ADB')], 16);
      d.set([2, 1, ...Buffer.from('MTP')], 40);
      expect(decodeExtendedCompatId(new DataView(d.buffer))).to.deep.equal([
        { firstInterface: 0, compatibleId: 'ADB', subCompatibleId: '' },
        { firstInterface: 2, compatibleId: 'MTP', subCompatibleId: '' },
      ]);
      // A count larger than the data: only the whole sections.
      expect(decodeExtendedCompatId(new DataView(d.buffer, 0, 16 + 24 + 10))).to.have.length(1);
      // wIndex other than 4 (e.g. an Extended Properties descriptor): not this.
      v.setUint16(6, 5, true);
      expect(decodeExtendedCompatId(new DataView(d.buffer))).to.equal(undefined);
    });
  });

  describe('discovery', () => {
    it('lists a vendor-class device whose descriptor says "MTP", opening it only to ask, then closing it', async () => {
      const { fake, kinds, interfaces } = await discover({ unnamedVendorInterface: true, interfaceNumber: 2, msOs: { vendorCode: 0x54, compatIds: [{ iface: 2, id: 'MTP' }] } });
      expect(kinds).to.deep.equal(['mtp-ms-os']);
      expect(interfaces).to.deep.equal([2]);
      expect(controls(fake.calls)).to.deep.equal([
        { requestType: 'standard', recipient: 'device', request: 6, value: 0x03ee, index: 0 },
        { requestType: 'vendor', recipient: 'device', request: 0x54, value: 0, index: 4 },
        { requestType: 'vendor', recipient: 'device', request: 0x54, value: 0, index: 4 },
      ]);
      expect(fake.calls.map((c) => c.op).filter((op) => op === 'open' || op === 'close')).to.deep.equal(['open', 'close']);
      expect(fake.opened).to.equal(false);
    });

    it('a vendor-class device whose descriptor names something else (or another interface) is not listed, and is closed again', async () => {
      const winusb = await discover({ unnamedVendorInterface: true, msOs: { vendorCode: 0x54, compatIds: [{ iface: 0, id: 'WINUSB' }] } });
      expect(winusb.kinds).to.deep.equal([]);
      expect(winusb.fake.opened).to.equal(false);
      const other = await discover({ unnamedVendorInterface: true, msOs: { vendorCode: 0x54, compatIds: [{ iface: 3, id: 'MTP' }] } });
      expect(other.kinds).to.deep.equal([]);
    });

    it('a vendor-class device without the descriptor (stalls 0xEE): one request, not listed, closed', async () => {
      const { fake, kinds } = await discover({ unnamedVendorInterface: true });
      expect(kinds).to.deep.equal([]);
      expect(controls(fake.calls)).to.have.length(1);
      expect(fake.opened).to.equal(false);
    });

    it('never asks a still-image device, an "MTP"-named one, or a vendor interface without an interrupt endpoint (ADB)', async () => {
      for (const options of [{}, { mtpVendorInterface: true }, { unnamedVendorInterface: true, noInterruptEndpoint: true }] as FakeDeviceOptions[]) {
        const { fake } = await discover({ ...options, msOs: { vendorCode: 0x54, compatIds: [{ iface: 0, id: 'MTP' }] } });
        expect(fake.calls, JSON.stringify(options)).to.deep.equal([]);
      }
    });

    it('a device someone else has open is asked, and left open', async () => {
      const { fake, kinds } = await discover({ unnamedVendorInterface: true, msOs: { vendorCode: 0x54, compatIds: [{ iface: 0, id: 'MTP' }] } }, true);
      expect(kinds).to.deep.equal(['mtp-ms-os']);
      expect(fake.calls.some((c) => c.op === 'close' || c.op === 'open')).to.equal(false);
      expect(fake.opened).to.equal(true);
    });

    it('probeMsOsDescriptor: false asks nothing', async () => {
      const fake = new FakeUsbDevice({ unnamedVendorInterface: true, msOs: { vendorCode: 0x54, compatIds: [{ iface: 0, id: 'MTP' }] } });
      const found = await findUsbCameras({}, { source: new FakeUsbSource(fake.asDevice), probeMsOsDescriptor: false });
      expect(found).to.deep.equal([]);
      expect(fake.calls).to.deep.equal([]);
    });
  });

  describe('UsbTransport', () => {
    it('opens a vendor-class MTP device it was handed, finding its interface by the descriptor', async () => {
      const fake = new FakeUsbDevice({ unnamedVendorInterface: true, interfaceNumber: 1, msOs: { vendorCode: 0x54, compatIds: [{ iface: 1, id: 'MTP' }] } });
      const t = new UsbTransport(fake.asDevice);
      try {
        await t.open();
        expect(t.endpoints?.kind).to.equal('mtp-ms-os');
        expect(fake.calls).to.deep.include({ op: 'claimInterface', iface: 1 });
      } finally {
        await t.close();
      }
    });

    it('a vendor-class device that is not MTP cannot be opened, and is left closed', async () => {
      const fake = new FakeUsbDevice({ unnamedVendorInterface: true });
      const err = await new UsbTransport(fake.asDevice).open().catch((e: unknown) => e);
      expect((err as Error).message).to.match(/has no PTP\/MTP interface/);
      expect(fake.opened).to.equal(false);
    });
  });
});
