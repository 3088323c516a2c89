/**
 * Nikon datasets: golden byte layouts (as libgphoto2's ptp_unpack_Nikon_EC
 * and ptp_nikon_get_vendorpropcodes read them), both ways, and malformed input.
 */
import { expect } from 'chai';
import {
  decodeNikonEvents, decodeVendorPropCodes, encodeNikonEvents, encodeVendorPropCodes, splitLiveViewImage,
} from '../../../src/extensions/nikon/index.js';
import { sampleJpeg } from '../../../src/responder/jpeg.js';
import { protocolError } from '../../support/assertions.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('Nikon GetEvent (0x90C7) event list', () => {
  // UINT16 count, then { UINT16 code, UINT32 parameter } per event: 2 + 6n bytes.
  const golden = bytes(
    0x02, 0x00,
    0x01, 0xc1, 0x01, 0x00, 0xff, 0xff, // ObjectAddedInSDRAM, 0xFFFF0001
    0x06, 0x40, 0x0b, 0xd1, 0x00, 0x00, // DevicePropChanged, 0xD10B
  );
  const events = [{ code: 0xc101, param: 0xffff0001 }, { code: 0x4006, param: 0xd10b }];

  it('decodes the golden bytes', () => {
    expect(decodeNikonEvents(golden)).to.deep.equal(events);
  });

  it('encodes to the golden bytes', () => {
    expect(encodeNikonEvents(events)).to.deep.equal(golden);
  });

  it('an empty queue is a zero count', () => {
    expect(encodeNikonEvents([])).to.deep.equal(bytes(0, 0));
    expect(decodeNikonEvents(bytes(0, 0))).to.deep.equal([]);
  });

  it('ignores bytes after the last entry', () => {
    expect(decodeNikonEvents(bytes(...golden, 0xaa, 0xbb))).to.deep.equal(events);
  });

  it('rejects a count that overruns the data, a cut entry and a missing count', () => {
    protocolError(() => decodeNikonEvents(bytes(0x03, 0x00, ...golden.subarray(2))), { field: /NikonEventList/ });
    protocolError(() => decodeNikonEvents(golden.subarray(0, golden.length - 1)), { field: /NikonEventList/ });
    protocolError(() => decodeNikonEvents(bytes(0xff, 0xff)), { field: /NikonEventList/ });
    protocolError(() => decodeNikonEvents(bytes(0x01)), { field: /NikonEventList/ });
  });
});

describe('Nikon GetVendorPropCodes (0x90CA) reply', () => {
  const golden = bytes(0x03, 0x00, 0x00, 0x00, 0x0b, 0xd1, 0xa2, 0xd1, 0xa4, 0xd1);
  it('is an AUINT16, both ways', () => {
    expect(decodeVendorPropCodes(golden)).to.deep.equal([0xd10b, 0xd1a2, 0xd1a4]);
    expect(encodeVendorPropCodes([0xd10b, 0xd1a2, 0xd1a4])).to.deep.equal(golden);
  });
  it('rejects a count beyond the data', () => {
    protocolError(() => decodeVendorPropCodes(bytes(0x04, 0, 0, 0, 0x0b, 0xd1)), { field: /VendorPropCodes/ });
    protocolError(() => decodeVendorPropCodes(bytes(0x01, 0)), { field: /VendorPropCodes/ });
  });
});

describe('Nikon live view image (0x9203)', () => {
  const jpeg = sampleJpeg(32, 24, 3);

  for (const headerSize of [0, 64, 128, 384]) {
    it(`finds the JPEG behind a ${headerSize}-byte header`, () => {
      const header = new Uint8Array(headerSize).fill(0x11);
      const frame = splitLiveViewImage(new Uint8Array([...header, ...jpeg]));
      expect(frame.header.length).to.equal(headerSize);
      expect(frame.jpeg).to.deep.equal(jpeg);
    });
  }

  it('skips an ff d8 in the header that is not followed by a marker', () => {
    const header = new Uint8Array(40);
    header.set([0xff, 0xd8, 0x00, 0x12], 10);
    const frame = splitLiveViewImage(new Uint8Array([...header, ...jpeg]));
    expect(frame.header.length).to.equal(40);
    expect(frame.jpeg).to.deep.equal(jpeg);
  });

  it('leaves out bytes after the EOI marker', () => {
    const frame = splitLiveViewImage(new Uint8Array([...new Uint8Array(8), ...jpeg, 0xff, 0xd9, 0, 0, 0]));
    expect(frame.jpeg).to.deep.equal(jpeg);
  });

  it('rejects a reply with no JPEG in it', () => {
    protocolError(() => splitLiveViewImage(new Uint8Array(500).fill(0x42)), { field: /LiveViewImage/ });
    protocolError(() => splitLiveViewImage(new Uint8Array(0)), { field: /LiveViewImage/ });
  });
});
