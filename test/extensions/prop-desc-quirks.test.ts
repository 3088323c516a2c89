/**
 * DevicePropDesc defects: Canon's, declared as data in the Canon extension,
 * and the lenient endings libgphoto2 accepts from any device. The EOS 60D's
 * BatteryLevel is checked on the bytes of its libgphoto2 log, and end to end:
 * the virtual 60D writes it the same way, byte for byte, and a Camera with the
 * Canon extension reads the right values from it.
 */
import { expect } from 'chai';
import { Camera } from '../../src/camera.js';
import { DevicePropCode } from '../../src/core/codes/properties.js';
import { decodeDevicePropDesc } from '../../src/core/datasets/device-prop-desc.js';
import { ProtocolError } from '../../src/core/errors.js';
import { canonExtension, CANON_DEVICE_PROP_DESC_QUIRKS } from '../../src/extensions/canon/index.js';
import { EOS_60D_BATTERY_LEVEL } from '../../src/extensions/canon/responder.js';
import type { Extension } from '../../src/extensions/extension.js';
import {
  decodeDevicePropDescWithQuirks, encodeDevicePropDescWithQuirk, LenientDevicePropDesc, type DevicePropDescQuirk,
} from '../../src/extensions/prop-desc-quirks.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../../src/responder/start.js';
import { bytes, hex } from '../support/assertions.js';
import { loadLogFile, reassembleDataPhases } from '../support/hexdumps.js';
import { forEachWire } from '../support/virtual-wires.js';

/** The EOS 60D's answer to GetDevicePropDesc(0x5001), from test/fixtures/logs/canon-eos60d-debug.log (lines 4115, 4350, 12936, 13171). */
const EOS_60D_BATTERY_DESC = bytes('0150 0200 00 | 32 | 32 | 02 0500 | 6400 4b00 3200 1900 0000');
const quirk = CANON_DEVICE_PROP_DESC_QUIRKS[0] as DevicePropDescQuirk;

describe('DevicePropDesc quirks', () => {
  describe('Canon: the EOS 60D BatteryLevel (UINT16 choices in a UINT8 descriptor)', () => {
    it('read the standard way gives wrong values; with the quirk, the right ones', () => {
      const standard = decodeDevicePropDesc(EOS_60D_BATTERY_DESC);
      expect(standard.form).to.deep.equal({ kind: 'enum', values: [100, 0, 75, 0, 50] });
      const { desc, quirk: applied } = decodeDevicePropDescWithQuirks(EOS_60D_BATTERY_DESC, CANON_DEVICE_PROP_DESC_QUIRKS);
      expect(applied).to.equal(quirk);
      expect(desc).to.deep.equal(EOS_60D_BATTERY_LEVEL);
    });

    it('is what the 60D sent, in every dump of its log', () => {
      const dumps = reassembleDataPhases(loadLogFile('canon-eos60d-debug.log').dumps)
        .filter((c) => c.code === 0x1014 && c.type === 2 && c.payload[0] === 0x01 && c.payload[1] === 0x50);
      expect(dumps).to.have.length(4);
      for (const d of dumps) expect(hex(d.payload)).to.equal(hex(EOS_60D_BATTERY_DESC));
    });

    it('is written back byte for byte as the camera writes it', () => {
      expect(hex(encodeDevicePropDescWithQuirk(EOS_60D_BATTERY_LEVEL, quirk))).to.equal(hex(EOS_60D_BATTERY_DESC));
      expect(() => encodeDevicePropDescWithQuirk({ ...EOS_60D_BATTERY_LEVEL, form: { kind: 'none' } }, quirk)).to.throw(RangeError);
    });

    it('applies only where the bytes are that defect', () => {
      const standardForm = bytes('0150 0200 00 | 32 | 32 | 02 0500 | 64 4b 32 19 00');
      expect(decodeDevicePropDescWithQuirks(standardForm, CANON_DEVICE_PROP_DESC_QUIRKS).quirk).to.equal(undefined);
      // A UINT16 choice that no UINT8 can hold is not this defect.
      const tooWide = bytes('0150 0200 00 | 32 | 32 | 02 0200 | 6400 0001');
      expect(decodeDevicePropDescWithQuirks(tooWide, CANON_DEVICE_PROP_DESC_QUIRKS).quirk).to.equal(undefined);
      // Another property with the same layout is left alone.
      const other = bytes('0250 0200 00 | 32 | 32 | 02 0200 | 6400 3200');
      expect(decodeDevicePropDescWithQuirks(other, CANON_DEVICE_PROP_DESC_QUIRKS).desc.form).to.deep.equal({ kind: 'enum', values: [100, 0] });
    });
  });

  describe('lenient endings accepted from any device (libgphoto2 ptp_unpack_DPD)', () => {
    it('a string descriptor that ends after its factory default', () => {
      const b = bytes('1e50 ffff 01 | 03 4100 4200 0000'); // Artist, default "AB", nothing more
      expect(() => decodeDevicePropDesc(b)).to.throw(ProtocolError);
      const r = decodeDevicePropDescWithQuirks(b);
      expect(r.quirk).to.equal(LenientDevicePropDesc.StringWithoutCurrentValue);
      expect(r.desc).to.deep.include({ factoryDefaultValue: 'AB', currentValue: 'AB', form: { kind: 'none' } });
    });

    it('a descriptor that ends before its form flag', () => {
      const b = bytes('0750 0400 01 | 3002 | 3002');
      const r = decodeDevicePropDescWithQuirks(b);
      expect(r.quirk).to.equal(LenientDevicePropDesc.NoFormFlag);
      expect(r.desc).to.deep.include({ propertyCode: 0x5007, currentValue: 560, form: { kind: 'none' } });
    });

    it('an enumeration count larger than its values (the HP PhotoSmart 120 writes it byte-swapped)', () => {
      const b = bytes('0550 0400 01 | 0200 | 0200 | 02 0003 | 0100 0200 0300');
      const r = decodeDevicePropDescWithQuirks(b);
      expect(r.quirk).to.equal(LenientDevicePropDesc.EnumerationCountTooLarge);
      expect(r.desc.form).to.deep.equal({ kind: 'enum', values: [1, 2, 3] });
    });

    it('random bytes give a descriptor or a ProtocolError, never anything else', () => {
      let seed = 0x5eed;
      const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      for (let i = 0; i < 3000; i++) {
        // Mostly plausible headers (a known datatype), so the lenient paths are reached.
        const b = Uint8Array.from({ length: 1 + (next() % 40) }, next);
        if (b.length > 3 && i % 2 === 0) b.set([next() % 11, 0], 2);
        try {
          decodeDevicePropDescWithQuirks(b, CANON_DEVICE_PROP_DESC_QUIRKS);
        } catch (err) {
          expect(err, hex(b)).to.be.instanceOf(ProtocolError);
        }
      }
    });

    it('anything else still fails with the standard reading\'s ProtocolError', () => {
      for (const b of [bytes('0150'), bytes('0150 0200 00'), bytes('0150 0200 00 | 32 | 32 | 01 00'), bytes('0150 0200 00 | 32 | 32 | 02 0500')]) {
        expect(() => decodeDevicePropDescWithQuirks(b), hex(b)).to.throw(ProtocolError);
      }
    });
  });
});

forEachWire('the virtual EOS 60D\'s BatteryLevel', (wire) => {
  let emu: RunningVirtualCamera;
  beforeEach(async () => {
    emu = await startVirtualCamera({ personality: 'canon-eos-60d', ptpip: { port: 0 } });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('goes out byte for byte as the real body sends it', async () => {
    const camera = await Camera.open({ transport: wire.transport(emu), raw: true });
    try {
      expect(camera.deviceInfo.devicePropertiesSupported).to.include(DevicePropCode.BatteryLevel);
      const raw = await camera.session(() => camera.getDevicePropDesc(DevicePropCode.BatteryLevel));
      expect(hex(raw)).to.equal(hex(EOS_60D_BATTERY_DESC));
    } finally {
      await camera.close();
    }
  });

  it('is read right by a camera with the Canon extension, and wrong without its quirks', async () => {
    const camera = await Camera.open({ transport: wire.transport(emu) });
    try {
      expect(camera.extension.name).to.equal('canon');
      await camera.session(async () => {
        expect(await camera.getDevicePropDesc(DevicePropCode.BatteryLevel)).to.deep.equal(EOS_60D_BATTERY_LEVEL);
        expect(await camera.getDevicePropValue(DevicePropCode.BatteryLevel)).to.equal(50);
      });
    } finally {
      await camera.close();
    }
    const { quirks: _unused, ...noQuirks } = canonExtension;
    const bare = await Camera.open({ transport: wire.transport(emu), extension: noQuirks as Extension });
    try {
      const desc = await bare.session(() => bare.getDevicePropDesc(DevicePropCode.BatteryLevel));
      expect(desc.form).to.deep.equal({ kind: 'enum', values: [100, 0, 75, 0, 50] });
    } finally {
      await bare.close();
    }
  });
}, 20_000);
