/** `ptpts devices` and `ptpts devices --watch`, against a fake WebUSB source. */
import { expect } from 'chai';
import { devicesCommand } from '../../src/cli/devices.js';
import { FakeUsbDevice } from '../transports/usb/fake-device.js';
import { FakeUsbSource } from '../transports/usb/fake-source.js';

function camera(productId: number, mtp = false): USBDevice {
  const fake = new FakeUsbDevice({ mtpVendorInterface: mtp });
  Object.defineProperty(fake, 'productId', { value: productId });
  return fake.asDevice;
}

async function until(cond: () => boolean, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('cli devices --watch', () => {
  it('prints the cameras present, then one line per attach (+) and detach (-), until stopped', async () => {
    const a = camera(0x000a);
    const source = new FakeUsbSource(a);
    const out: string[] = [];
    const err: string[] = [];
    let stop: () => void = () => undefined;
    const done = devicesCommand({ watch: true }, { out: (l) => out.push(l), err: (l) => err.push(l) }, {
      source,
      stop: new Promise<void>((r) => (stop = r)),
    });
    await until(() => out.length === 1);
    expect(out[0]).to.match(/^1234:000a {2}still-image {2}Fake Camera {2}\(FAKE0001\)$/);
    expect(err.join('\n')).to.match(/Ctrl-C to stop/);

    const b = camera(0x000b, true);
    source.attach(b);
    await until(() => out.length === 2);
    expect(out[1]).to.match(/^\+ 1234:000b {2}mtp-vendor/);
    source.detach(a);
    await until(() => out.length === 3);
    expect(out[2]).to.match(/^- 1234:000a {2}still-image/);

    stop();
    await done;
    expect(source.listenerCount).to.equal(0);
    source.attach(camera(0x000c));
    await new Promise((r) => setTimeout(r, 5));
    expect(out).to.have.length(3);
  });

  it('--json --watch writes one JSON object per line with the event', async () => {
    const source = new FakeUsbSource(camera(0x000a));
    const out: string[] = [];
    let stop: () => void = () => undefined;
    const done = devicesCommand({ watch: true, json: true }, { out: (l) => out.push(l), err: () => undefined }, {
      source,
      stop: new Promise<void>((r) => (stop = r)),
    });
    await until(() => out.length === 1);
    source.detach(source.devices[0]!);
    await until(() => out.length === 2);
    stop();
    await done;
    const lines = out.map((l) => JSON.parse(l) as { event: string; productId: number; kind: string });
    expect(lines.map((l) => [l.event, l.productId, l.kind])).to.deep.equal([
      ['present', 0xa, 'still-image'],
      ['detach', 0xa, 'still-image'],
    ]);
  });

  it('a device that may be MTP but cannot be opened is listed, unverified, with why and the fix (text and JSON)', async () => {
    const busy = new FakeUsbDevice({ unnamedVendorInterface: true, msOs: { vendorCode: 0x54, compatIds: [{ iface: 0, id: 'MTP' }] }, openError: new Error('open error: LIBUSB_ERROR_BUSY') });
    const source = new FakeUsbSource(camera(0x000a), busy.asDevice);
    const out: string[] = [];
    await devicesCommand({}, { out: (l) => out.push(l), err: () => undefined }, { source });
    expect(out).to.have.length(2);
    expect(out[0]).to.match(/^1234:000a {2}still-image/);
    expect(out[1]).to.match(/^1234:5678 {2}mtp-ms-os {4}Fake Camera {2}\(FAKE0001\) {2}\[unverified: cannot open usb:1234:5678 .*LIBUSB_ERROR_BUSY\. The device is busy: .*\]$/);
    const json: string[] = [];
    await devicesCommand({ json: true }, { out: (l) => json.push(l), err: () => undefined }, { source });
    const list = JSON.parse(json.join('\n')) as Array<{ productId: number; openError?: string }>;
    expect(list.map((d) => d.openError === undefined)).to.deep.equal([true, false]);
    expect(list[1]!.openError).to.match(/LIBUSB_ERROR_BUSY\. The device is busy/);
  });

  it('without --watch: the list once, "No PTP/MTP device" when empty', async () => {
    const out: string[] = [];
    await devicesCommand({}, { out: (l) => out.push(l), err: () => undefined }, { source: new FakeUsbSource() });
    expect(out).to.deep.equal(['No PTP/MTP device on USB.']);
  });
});
