/**
 * The EOS_GetEvent dataset against the real data phases in the 60D and 5D Mark
 * III logs (libgphoto2's interpretation printed next to each dump is the
 * oracle for the decoded values), the SetDevicePropValueEx dataset against
 * the 60D's two, and malformed input.
 */
import { expect } from 'chai';
import { ProtocolError } from '../../../src/core/errors.js';
import { CanonDevicePropCode as Dp, CanonEventCode as Ec, CanonOperationCode as Op } from '../../../src/extensions/canon/codes.js';
import {
  decodeEosEvents, encodeEosEvents, type EosEvent, type EosEventInit,
} from '../../../src/extensions/canon/eos-events.js';
import { decodeEosPropSet, encodeEosPropSet, EOS_STRING_PROPS } from '../../../src/extensions/canon/eos-values.js';
import {
  decodeViewFinderRecords, encodeViewFinderRecords, viewFinderJpeg,
} from '../../../src/extensions/canon/live-view.js';
import { protocolError } from '../../support/assertions.js';
import { loadLogDumps, reassembleDataPhases, type UsbContainerDump } from '../../support/hexdumps.js';

const containers = reassembleDataPhases(loadLogDumps());
const getEvents = containers.filter((c) => c.type === 2 && c.code === Op.EOS_GetEvent);
const propSets = containers.filter((c) => c.type === 2 && c.code === Op.EOS_SetDevicePropValueEx);

function vector(file: string, line: number): UsbContainerDump {
  const found = getEvents.find((c) => c.file === file && c.line === line);
  if (found === undefined) throw new Error(`no GetEvent data phase at ${file}:${line}`);
  return found;
}

/** The value each property last had in `events` (PropValueChanged only). */
function values(events: readonly EosEvent[]): Map<number, unknown> {
  const out = new Map<number, unknown>();
  for (const e of events) if (e.kind === 'propValueChanged') out.set(e.property, e.value);
  return out;
}

/** The typed fields of a decoded event, without what was received (payload, type, problem). */
function typedOnly(e: EosEvent): EosEventInit {
  if (e.kind === 'unknown') return { kind: 'unknown', type: e.type, payload: e.payload };
  const { payload: _payload, type: _type, problem: _problem, ...typed } = e as EosEvent & { problem?: string };
  return typed as EosEventInit;
}

const le32 = (...words: number[]): Uint8Array => {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
  return out;
};

describe('EOS GetEvent dataset: golden vectors', () => {
  it('the logs hold the data phases the inventory promises (310 in the 60D log, 2 in the 5D Mark III one)', () => {
    expect(getEvents.filter((c) => c.file === 'canon-eos60d-debug.log')).to.have.length(310);
    expect(getEvents.filter((c) => c.file === 'canon-eos5dmark3.txt')).to.have.length(2);
    expect(getEvents.filter((c) => c.length === 20)).to.have.length(306);
  });

  for (const c of getEvents) {
    it(`${c.file}:${c.line} (${c.payload.length} bytes) decodes and re-encodes byte for byte`, () => {
      const events = decodeEosEvents(c.payload);
      expect(Buffer.from(encodeEosEvents(events)).equals(Buffer.from(c.payload))).to.equal(true);
      if (c.payload.length === 8) expect(events).to.deep.equal([]);
      for (const e of events) expect(e).not.to.have.property('problem');
    });
  }

  it('re-encoding from the typed fields alone gives the same bytes, except names in fixed 64-byte fields', () => {
    let records = 0;
    for (const c of getEvents) {
      for (const e of decodeEosEvents(c.payload)) {
        records++;
        const same = Buffer.from(encodeEosEvents([typedOnly(e)])).equals(Buffer.from(encodeEosEvents([e])));
        const paddedName = e.kind === 'propValueChanged' && EOS_STRING_PROPS.has(e.property) && e.payload.length === 68;
        expect(same, `${c.file}:${c.line} ${e.kind} 0x${e.type.toString(16)}`).to.equal(!paddedName);
      }
    }
    expect(records).to.equal(216 + 4 + 164 + 4 + 9 + 6);
  });

  it('60D line 800: the initial dump after SetEventMode, values as libgphoto2 prints them', () => {
    const events = decodeEosEvents(vector('canon-eos60d-debug.log', 800).payload);
    expect(events.filter((e) => e.kind === 'propValueChanged')).to.have.length(77);
    expect(events.filter((e) => e.kind === 'availListChanged')).to.have.length(86);
    // "event 77: unknown EOS event c1a4"
    expect(events[77]).to.include({ kind: 'unknown', type: Ec.EOS_CTGInfoCheckComplete });
    const v = values(events);
    // "event N: currentvalue of dXXX is Y" (hex).
    const expected: Array<[number, number]> = [
      [0xd105, 0x3], [0xd108, 0x0], [0xd106, 0x0], [0xd107, 0x3], [0xd109, 0x0], [0xd10a, 0x1450], [0xd10d, 0],
      [0xd10f, 0x1], [0xd11b, 0x1f85], [0xd116, 0x80000287], [0xd119, 0x100], [0xd110, 0x81], [0xd101, 0x30],
      [0xd102, 0x70], [0xd103, 0x58], [0xd104, 0x0], [0xd111, 0x1], [0xd113, 0x4f6531b9], [0xd11c, 0x2],
      [0xd1ac, 0x1df2], [0xd11e, 0x20001], [0xd11f, 0x91900000], [0xd1b0, 0], [0xd1b1, 1], [0xd1b6, 0x1450],
    ];
    for (const [prop, value] of expected) expect(v.get(prop), prop.toString(16)).to.equal(value);
    // "currentvalue of d1d8 is EF-S18-55mm f/3.5-5.6 IS"
    expect(v.get(Dp.EOS_LensName)).to.equal('EF-S18-55mm f/3.5-5.6 IS');
    // "decoded imageformat, currentvalue of d120 is 300": large (0), fine (3) JPEG.
    expect(v.get(Dp.EOS_ImageFormat)).to.deep.equal([{ type: 1, size: 0, compression: 3 }]);
    // "EOS prop d150 info record, datasize is 28": a picture-style blob, kept as bytes.
    expect(v.get(Dp.EOS_PictureStyleStandard)).to.be.instanceOf(Uint8Array).with.length(28);
  });

  it('60D line 800: allowed values (AvailListChanged) as libgphoto2 lists them', () => {
    const lists = new Map<number, EosEvent & { kind: 'availListChanged' }>();
    for (const e of decodeEosEvents(vector('canon-eos60d-debug.log', 800).payload)) if (e.kind === 'availListChanged') lists.set(e.property, e);
    // "propxtype is 3, prop is 0xd108, ... propxcnt is 3" then suppval 0x0, 0x2, 0x1.
    expect(lists.get(Dp.EOS_FocusMode)).to.deep.include({ formType: 3, count: 3, values: [0, 2, 1] });
    expect(lists.get(Dp.EOS_DriveMode)?.values).to.deep.equal([0, 4, 5, 0x11, 0x10]);
    expect(lists.get(Dp.EOS_MeteringMode)?.values).to.deep.equal([3, 4, 1, 5]);
    const aperture = lists.get(Dp.EOS_Aperture)?.values as number[];
    expect(aperture).to.have.length(17);
    expect(aperture[0]).to.equal(0x2b);
    const temperature = lists.get(Dp.EOS_ColorTemperature)?.values as number[];
    expect(temperature).to.have.length(76);
    expect([temperature[0], temperature[75]]).to.deep.equal([0x9c4, 2500 + 75 * 100]);
    // White balance shift: suppval 0xfff7 (-9) ... 9.
    expect(lists.get(Dp.EOS_WhiteBalanceAdjustA)?.values).to.deep.equal([-9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // "propxcnt is 35", "suppval[0] of d120 is 0x300": image formats, one or two entries each.
    const formats = lists.get(Dp.EOS_ImageFormat)?.values as unknown as Array<Array<{ type: number }>>;
    expect(formats).to.have.length(35);
    expect(formats[0]).to.deep.equal([{ type: 1, size: 0, compression: 3 }]);
    expect(formats.some((f) => f.length === 2 && f.some((x) => x.type === 6))).to.equal(true);
    // "EOS prop d105 desc record, datasize 0, propxtype 1": no values.
    expect(lists.get(Dp.EOS_AutoExposureMode)).to.deep.include({ formType: 1, count: 0, values: [] });
    expect(lists.get(Dp.EOS_Owner)).to.deep.include({ formType: 7, count: 0, values: [] });
  });

  it('60D line 3718: names after RequestDevicePropValue (owner, artist, copyright empty; serial number)', () => {
    const v = values(decodeEosEvents(vector('canon-eos60d-debug.log', 3718).payload));
    expect([...v.keys()]).to.deep.equal([Dp.EOS_Owner, Dp.EOS_Artist, Dp.EOS_Copyright, Dp.EOS_SerialNumber]);
    expect(v.get(Dp.EOS_Owner)).to.equal('');
    expect(v.get(Dp.EOS_Artist)).to.equal('');
    expect(v.get(Dp.EOS_Copyright)).to.equal('');
    // "currentvalue of d1af is 680422199" (a 10-byte record payload: the record is not 4-aligned).
    expect(v.get(Dp.EOS_SerialNumber)).to.equal('680422199');
  });

  it('60D lines 3954 and 14905: property changes during capture', () => {
    const a = decodeEosEvents(vector('canon-eos60d-debug.log', 3954).payload);
    // "event 0: currentvalue of d11b is ab03" ... "event 8: currentvalue of d11b is ab03"
    expect(a.map((e) => e.kind === 'propValueChanged' && [e.property, e.value])).to.deep.equal([
      [0xd11b, 0xab03], [0xd11c, 4], [0xd11b, 0], [0xd11b, 0x1f85], [0xd11c, 2], [0xd11b, 0], [0xd11c, 4], [0xd11b, 0xab05], [0xd11b, 0xab03],
    ]);
    const b = values(decodeEosEvents(vector('canon-eos60d-debug.log', 14905).payload));
    expect(b.get(Dp.EOS_AvailableShots)).to.equal(0x1f85);
    expect(b.get(Dp.EOS_ImageFormat)).to.deep.equal([{ type: 1, size: 0, compression: 3 }]);
    expect(b.get(Dp.EOS_CurrentStorage)).to.equal(0x20001);
    expect(b.get(Dp.EOS_CurrentFolder)).to.equal(0x91900000);
  });

  it('5D Mark III: the split 11128-byte dump and the names dump (a name starting with NUL is empty)', () => {
    const big = decodeEosEvents(vector('canon-eos5dmark3.txt', 756).payload);
    const v = values(big);
    // libgphoto2: d105 is 1, d102 is 75, d11b is 619, d111 is 2, d113 is 52dffb53, d120/d121/d122 decoded 300.
    expect(v.get(0xd105)).to.equal(1);
    expect(v.get(0xd102)).to.equal(0x75);
    expect(v.get(0xd11b)).to.equal(0x619);
    expect(v.get(0xd111)).to.equal(2);
    expect(v.get(0xd113)).to.equal(0x52dffb53);
    for (const p of [Dp.EOS_ImageFormat, Dp.EOS_ImageFormatCF, Dp.EOS_ImageFormatSD]) expect(v.get(p)).to.deep.equal([{ type: 1, size: 0, compression: 3 }]);
    expect(v.get(Dp.EOS_LensName)).to.equal('EF300mm f/4L IS USM');
    const names = values(decodeEosEvents(vector('canon-eos5dmark3.txt', 4338).payload));
    // Both fields start with a NUL ("\0ichael Gonzales", "\0Audible 2013..."), as the camera sent
    // them: empty, as libgphoto2 reads them (strdup); the bytes stay in the event's payload.
    expect(names.get(Dp.EOS_Artist)).to.equal('');
    expect(names.get(Dp.EOS_Copyright)).to.equal('');
    expect(names.get(Dp.EOS_SerialNumber)).to.equal('022031003494');
  });
});

describe('EOS GetEvent dataset: typed events built in code', () => {
  it('object, transfer, status and bulb records round trip through their typed fields', () => {
    const events: EosEventInit[] = [
      { kind: 'objectAdded', handle: 0x9191d6a2, storageId: 0x20001, format: 0x3801, size: 123456, parent: 0x91900000, filename: 'IMG_0042.JPG' },
      { kind: 'requestObjectTransfer', handle: 0x9191d6b2, format: 0x3801, size: 99, filename: 'IMG_0043.JPG' },
      { kind: 'objectRemoved', handle: 7 },
      { kind: 'cameraStatusChanged', status: 1 },
      { kind: 'bulbExposureTime', seconds: 30 },
      { kind: 'propValueChanged', property: Dp.EOS_Artist, value: 'Ann' },
      { kind: 'propValueChanged', property: Dp.EOS_WhiteBalanceAdjustA, value: -3 },
      { kind: 'availListChanged', property: Dp.EOS_ISOSpeed, formType: 3, values: [0, 72, 75] },
      { kind: 'unknown', type: 0xc1ff, payload: Uint8Array.of(1, 2, 3) },
    ];
    const bytes = encodeEosEvents(events);
    const decoded = decodeEosEvents(bytes);
    expect(decoded.map(typedOnly)).to.deep.equal(events.map((e) => {
      if (e.kind === 'objectAdded') return { ...e, reserved: [0, 0, 0, 0] };
      if (e.kind === 'requestObjectTransfer') return { ...e, reserved: [0, 0, 0] };
      if (e.kind === 'availListChanged') return { ...e, count: 3 };
      return e;
    }));
    // libgphoto2's offsets: ObjectAddedEx name at record offset 0x28, size at 0x1c, parent at 0x20.
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getUint32(0x1c, true)).to.equal(123456);
    expect(view.getUint32(0x20, true)).to.equal(0x91900000);
    expect(String.fromCharCode(...bytes.subarray(0x28, 0x28 + 12))).to.equal('IMG_0042.JPG');
  });

  it('an empty event list is the 8-byte terminator, and an empty data phase decodes to no events', () => {
    expect([...encodeEosEvents([])]).to.deep.equal([8, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeEosEvents(new Uint8Array(0))).to.deep.equal([]);
  });

  it('a known type whose payload is too short for its layout comes back as unknown, with the reason', () => {
    const bytes = Uint8Array.of(...le32(12, Ec.EOS_ObjectAddedEx, 5), ...le32(8, 0));
    const [e] = decodeEosEvents(bytes);
    expect(e).to.include({ kind: 'unknown', type: Ec.EOS_ObjectAddedEx });
    expect(e?.problem).to.match(/EOS_ObjectAddedEx/);
    expect(Buffer.from(encodeEosEvents(decodeEosEvents(bytes))).equals(Buffer.from(bytes))).to.equal(true);
  });
});

describe('EOS GetEvent dataset: malformed input', () => {
  const good = encodeEosEvents([{ kind: 'propValueChanged', property: Dp.EOS_ISOSpeed, value: 0x58 }]);

  it('a record size past the end of the data names the size field and the record offset', () => {
    const bad = Uint8Array.of(...le32(16, Ec.EOS_PropValueChanged, Dp.EOS_ISOSpeed, 0x58), ...le32(0x7fffffff, 0));
    const err = protocolError(() => decodeEosEvents(bad), { field: 'EosEventRecord.size', offset: 16 });
    expect(err.message).to.match(/past the end/);
  });

  it('a record size below 8 is an error, not an endless loop', () => {
    protocolError(() => decodeEosEvents(Uint8Array.of(...le32(0, 0))), { field: 'EosEventRecord.size', offset: 0 });
    protocolError(() => decodeEosEvents(Uint8Array.of(...le32(4, Ec.EOS_PropValueChanged), ...le32(8, 0))), { field: 'EosEventRecord.size', offset: 0 });
  });

  it('data cut anywhere (inside a header, a payload, or before the terminator) is an error', () => {
    for (let cut = 1; cut < good.length; cut++) {
      expect(() => decodeEosEvents(good.subarray(0, cut)), `cut at ${cut}`).to.throw(ProtocolError);
    }
    protocolError(() => decodeEosEvents(good.subarray(0, 16)), { field: 'EosEventRecord', offset: 16 });
  });

  it('random bytes never crash the decoder with anything but a ProtocolError', () => {
    let seed = 42;
    const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 8 + (next() % 64) }, next);
      // Sizes stay small, so records chain instead of failing on the first.
      if (i % 2 === 0) bytes.set(le32(8 + (next() % 24)), 0);
      try {
        decodeEosEvents(bytes);
      } catch (err) {
        expect(err).to.be.instanceOf(ProtocolError);
      }
    }
  });
});

describe('EOS SetDevicePropValueEx dataset', () => {
  it('the 60D log has two, both CaptureDestination (4 = host, then 2 = card), and they round trip', () => {
    expect(propSets.map((c) => `${c.file}:${c.line}`)).to.deep.equal(['canon-eos60d-debug.log:3797', 'canon-eos60d-debug.log:14881']);
    const decoded = propSets.map((c) => decodeEosPropSet(c.payload));
    expect(decoded.map((d) => [d.property, d.value])).to.deep.equal([[Dp.EOS_CaptureDestination, 4], [Dp.EOS_CaptureDestination, 2]]);
    for (const [i, c] of propSets.entries()) {
      expect(Buffer.from(encodeEosPropSet(decoded[i]!.property, decoded[i]!.value)).equals(Buffer.from(c.payload))).to.equal(true);
    }
  });

  it('names travel as ASCII with a NUL; a size field that disagrees with the data is an error', () => {
    const bytes = encodeEosPropSet(Dp.EOS_Artist, 'Ann');
    expect([...bytes]).to.deep.equal([...le32(12, Dp.EOS_Artist), 0x41, 0x6e, 0x6e, 0]);
    expect(decodeEosPropSet(bytes).value).to.equal('Ann');
    protocolError(() => decodeEosPropSet(bytes.subarray(0, 10)), { field: 'EOS_SetDevicePropValueEx.size', offset: 0 });
    protocolError(() => decodeEosPropSet(bytes.subarray(0, 6)), { field: 'EOS_SetDevicePropValueEx.property' });
  });
});

describe('EOS viewfinder data', () => {
  it('records round trip and the JPEG record is found among others', () => {
    const jpeg = Uint8Array.of(0xff, 0xd8, 1, 2, 0xff, 0xd9);
    const bytes = encodeViewFinderRecords([{ type: 4, payload: Uint8Array.of(9, 9) }, { type: 1, payload: jpeg }]);
    expect(decodeViewFinderRecords(bytes).map((r) => r.type)).to.deep.equal([4, 1]);
    expect([...viewFinderJpeg(bytes)]).to.deep.equal([...jpeg]);
  });

  it('a record past the end, or no JPEG at all, is a ProtocolError', () => {
    protocolError(() => viewFinderJpeg(Uint8Array.of(...le32(100, 1), 0xff, 0xd8)), { field: 'EosViewFinderRecord.size', offset: 0 });
    protocolError(() => viewFinderJpeg(encodeViewFinderRecords([{ type: 4, payload: Uint8Array.of(1) }])), { field: 'EosViewFinderRecord' });
  });
});
