import { expect } from 'chai';
import { Camera } from '../../src/camera.js';
import { CodeNames } from '../../src/core/codes/names.js';
import type { DeviceInfo } from '../../src/core/datasets/device-info.js';
import { canonExtension } from '../../src/extensions/canon/index.js';
import { codeLayers } from '../../src/extensions/extension.js';
import { mtpExtension } from '../../src/extensions/mtp/index.js';
import { nikonExtension } from '../../src/extensions/nikon/index.js';
import { parrotExtension } from '../../src/extensions/parrot/index.js';
import { detectExtension, findExtension, fitExtension, listExtensions } from '../../src/extensions/registry.js';
import { startVirtualCamera } from '../../src/responder/start.js';

/** A DeviceInfo as recorded in the fixture (fields some devices left out are null). */
interface Recorded {
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly deviceVersion: string | null;
  readonly vendorExtensionId: number | null;
  readonly vendorExtensionVersion: number | null;
  readonly vendorExtensionDesc: string | null;
  readonly standardVersion: number | null;
  readonly functionalMode: number | null;
  readonly operationsSupported: readonly number[] | null;
  readonly eventsSupported: readonly number[] | null;
  readonly devicePropertiesSupported: readonly number[] | null;
  readonly source: string;
}

const { default: recorded } = (await import('../fixtures/deviceinfo-real-cameras.json', { with: { type: 'json' } })) as {
  default: Recorded[];
};

/** The DeviceInfo a device would decode to: '' / 0 / [] where the recording has null. */
function deviceInfoOf(r: Recorded): DeviceInfo {
  return {
    standardVersion: r.standardVersion ?? 0,
    vendorExtensionId: r.vendorExtensionId ?? 0,
    vendorExtensionVersion: r.vendorExtensionVersion ?? 0,
    vendorExtensionDesc: r.vendorExtensionDesc ?? '',
    functionalMode: r.functionalMode ?? 0,
    operationsSupported: [...(r.operationsSupported ?? [])],
    eventsSupported: [...(r.eventsSupported ?? [])],
    devicePropertiesSupported: [...(r.devicePropertiesSupported ?? [])],
    captureFormats: [],
    playbackFormats: [],
    manufacturer: r.manufacturer ?? '',
    model: r.model ?? '',
    deviceVersion: r.deviceVersion ?? '',
    serialNumber: '',
  };
}

function infoOf(source: string): DeviceInfo {
  const r = recorded.find((d) => d.source === source);
  if (r === undefined) throw new Error(`no fixture ${source}`);
  return deviceInfoOf(r);
}

type ExtensionName = 'ptp' | 'mtp' | 'canon' | 'nikon' | 'parrot';

/**
 * What each recorded device should be detected as, reviewed by hand from its
 * manufacturer, VendorExtensionID, description and operations (not computed
 * by the detection rules):
 * - every Canon and Nikon body is canon / nikon, whatever VendorExtensionID it reports;
 * - the Parrot Sequoia is parrot;
 * - any other device that lists MTP's object-property operations (0x9801..)
 *   is mtp: players and phones, but also Fuji, Olympus, Sony, Panasonic,
 *   Casio, GoPro and Apple bodies, which have no extension of their own here;
 * - the rest is plain ptp.
 */
const EXPECTED: Readonly<Record<string, ExtensionName>> = {
  'apple-iphone-4.txt': 'mtp', // lists GetObjectPropsSupported..GetObjectPropList
  'apple-iphone-touch.txt': 'ptp', // no vendor fields at all
  'apple-iphone.txt': 'ptp',
  'apple-iphone5.1.txt': 'mtp', // lists GetObjectPropsSupported..GetObjectPropList
  'canon-digital-ixus-wireless.txt': 'canon',
  'canon-digital-ixus120is.txt': 'canon',
  'canon-digital-ixus90is.log': 'canon',
  'canon-digital-ixus95is.txt': 'canon',
  'canon-eos-m100.txt': 'canon',
  'canon-eos-m3.txt': 'canon',
  'canon-eos-m5.txt': 'canon',
  'canon-eos-m50m2.txt': 'canon',
  'canon-eos-m6-mark2.txt': 'canon',
  'canon-eos-r.txt': 'canon',
  'canon-eos-r100.txt': 'canon',
  'canon-eos-r50.txt': 'canon',
  'canon-eos-rebel-t6.txt': 'canon',
  'canon-eos100d.txt': 'canon',
  'canon-eos1200d.txt': 'canon',
  'canon-eos1300d.txt': 'canon', // VendorExtensionID 6 (Microsoft): Canon by manufacturer and EOS_GetEvent
  'canon-eos2000d.txt': 'canon',
  'canon-eos200d.txt': 'canon',
  'canon-eos30d.txt': 'canon',
  'canon-eos40d.txt': 'canon',
  'canon-eos5dmark2.txt': 'canon',
  'canon-eos60d.txt': 'canon',
  'canon-eos650d.txt': 'canon',
  'canon-eos70d.txt': 'canon',
  'canon-eos77d.txt': 'canon',
  'canon-eos7d-mark2.txt': 'canon',
  'canon-eos7d.txt': 'canon',
  'canon-g9.txt': 'canon',
  'canon-ixus-310is.txt': 'canon',
  'canon-ixus165.txt': 'canon',
  'canon-powershot-a2200.txt': 'canon',
  'canon-powershot-a2400is.txt': 'canon',
  'canon-powershot-a2500.txt': 'canon',
  'canon-powershot-a2600.txt': 'canon',
  'canon-powershot-a430.txt': 'canon',
  'canon-powershot-a510.txt': 'canon',
  'canon-powershot-a520.txt': 'canon',
  'canon-powershot-a530.txt': 'canon', // manufacturer and model "(null)": Canon by VendorExtensionID 0xB
  'canon-powershot-a550.txt': 'canon',
  'canon-powershot-a700.txt': 'canon',
  'canon-powershot-a800.txt': 'canon',
  'canon-powershot-a95.txt': 'canon',
  'canon-powershot-elph-350hs.txt': 'canon',
  'canon-powershot-g11.txt': 'canon',
  'canon-powershot-g15.txt': 'canon',
  'canon-powershot-g7x-mark2.txt': 'canon',
  'canon-powershot-s110.txt': 'canon',
  'canon-powershot-s400.txt': 'canon',
  'canon-powershot-s410.txt': 'canon',
  'canon-powershot-s45.txt': 'canon', // VendorExtensionID 0: Canon by manufacturer
  'canon-powershot-s500.txt': 'canon',
  'canon-powershot-s60.txt': 'canon',
  'canon-powershot-sd500.txt': 'canon',
  'canon-powershot-sx100is.txt': 'canon', // VendorExtensionID 6 (Microsoft): Canon by manufacturer
  'canon-powershot-sx10is.txt': 'canon',
  'canon-powershot-sx210is.txt': 'canon',
  'canon-powershot-sx500is.txt': 'canon',
  'canon-powershot-sx530hs.txt': 'canon',
  'canon-powershot-sx720hs.txt': 'canon',
  'canon-s2.txt': 'canon',
  'canon-s3.txt': 'canon',
  'canon-s5.txt': 'canon',
  'casio-ex-f1.txt': 'mtp',
  'creative-zen-microphoto.txt': 'mtp',
  'creative-zen.txt': 'mtp',
  'fuji-finepix-s6500fd.txt': 'ptp',
  'fuji-x-a5.txt': 'mtp', // Fuji has no extension here; its MTP operations make it mtp
  'fuji-x-e1.txt': 'mtp',
  'fuji-x-t10.txt': 'mtp',
  'fuji-x10.txt': 'mtp',
  'fuji-x100vi.txt': 'ptp', // fujifilm.co.jp, no MTP operations
  'fuji-xe4.txt': 'mtp',
  'fuji-xpro2.txt': 'mtp',
  'fuji-xt3.txt': 'mtp',
  'fuji-xt30.txt': 'mtp',
  'gopro-hero3.txt': 'mtp',
  'gopro-hero7white.txt': 'mtp',
  'hp-photosmart120.txt': 'ptp',
  'hp-photosmart735.txt': 'ptp',
  'iRiver-t10.txt': 'mtp',
  'iRiver-u10.txt': 'mtp',
  'kodak-cx6230.txt': 'ptp',
  'kodak-cx7330.txt': 'ptp',
  'kodak-ls753.txt': 'ptp',
  'kodak-z7590.txt': 'ptp',
  'leica-m9.txt': 'ptp',
  'motorola-k1.txt': 'ptp', // model "(null)"
  'nikon-aw110.txt': 'nikon', // description "1.0;" names nobody
  'nikon-b700.txt': 'nikon', // VendorExtensionID 6, description only microsoft.com: Nikon by manufacturer
  'nikon-coolpix-3700.txt': 'nikon',
  'nikon-coolpix-a.txt': 'nikon',
  'nikon-coolpix-aw100.txt': 'nikon',
  'nikon-coolpix-l12.txt': 'nikon',
  'nikon-coolpix-l16.txt': 'nikon',
  'nikon-coolpix-l840.txt': 'nikon', // VendorExtensionID 0, manufacturer "NIKON"
  'nikon-coolpix-p2.txt': 'nikon',
  'nikon-coolpix-p330.txt': 'nikon',
  'nikon-coolpix-p50.txt': 'nikon', // VendorExtensionID 6: Nikon by manufacturer and description
  'nikon-coolpix-p60.txt': 'nikon',
  'nikon-coolpix5000.txt': 'nikon',
  'nikon-coolpix5700.txt': 'nikon',
  'nikon-coolpix5900.txt': 'nikon',
  'nikon-d100.txt': 'nikon',
  'nikon-d2x.txt': 'nikon',
  'nikon-d3000.txt': 'nikon',
  'nikon-d300s.txt': 'nikon',
  'nikon-d3100.txt': 'nikon',
  'nikon-d3200.txt': 'nikon',
  'nikon-d3300.txt': 'nikon',
  'nikon-d40.txt': 'nikon',
  'nikon-d40x.txt': 'nikon',
  'nikon-d4s.txt': 'nikon',
  'nikon-d5000.txt': 'nikon',
  'nikon-d5300.txt': 'nikon',
  'nikon-d600.txt': 'nikon',
  'nikon-d7100.txt': 'nikon',
  'nikon-d750.txt': 'nikon',
  'nikon-d80.txt': 'nikon',
  'nikon-d800e.txt': 'nikon',
  'nikon-d90.txt': 'nikon',
  'nikon-j1.txt': 'nikon',
  'nikon-j2.txt': 'nikon',
  'nikon-keymission170.txt': 'nikon',
  'nikon-p3-ptpip.txt': 'nikon',
  'nikon-p3-usb.txt': 'nikon',
  'nikon-p4.txt': 'nikon',
  'nikon-p5000.txt': 'nikon',
  'nikon-p7800.txt': 'nikon',
  'nikon-p900.txt': 'nikon',
  'nikon-s02.txt': 'nikon', // VendorExtensionID 6, "nikon.co.jp: 1.0;"
  'nikon-s2.txt': 'nikon',
  'nikon-s200.txt': 'nikon',
  'nikon-s620.txt': 'nikon',
  'nikon-s9700.txt': 'nikon',
  'nikon-v1.txt': 'nikon', // VendorExtensionID 6: Nikon by manufacturer
  'nikon-z6.txt': 'nikon', // no MTP operations, only Microsoft.com/DeviceServices in the description
  'nikon-z9.txt': 'nikon',
  'nokia-3110c.txt': 'mtp',
  'nokia-n73.txt': 'ptp',
  'olympus-e-m5.txt': 'mtp',
  'olympus-e-m5mark2.txt': 'mtp',
  'olympus-e-pl5.txt': 'mtp',
  'olympus-e-pm1.txt': 'mtp',
  'olympus-x450': 'ptp',
  'olympus-x925.txt': 'mtp',
  'panasonic-dmc-fz20.txt': 'ptp', // no VendorExtensionID, no model
  'panasonic-dmc-gh4.txt': 'mtp',
  'panasonic-gh5.txt': 'ptp',
  'parrot-sequoia.txt': 'parrot', // VendorExtensionID 0x1B, "parrot.com: 1.0;"
  'ricoh-theta-m15.txt': 'ptp',
  'samsung-ek-g100.txt': 'mtp', // lists 0x9116 (Canon EOS_GetEvent elsewhere): an Android camera speaking MTP
  'samsung-galaxy-s2-android4.txt': 'mtp',
  'samsung-galaxy-s2.txt': 'mtp', // also lists 0x9116
  'samsung-yh-820.txt': 'mtp',
  'sony-a6000.txt': 'ptp', // Sony has no extension here, and no MTP operations
  'sony-a77m2.txt': 'ptp',
  'sony-a7mr2.txt': 'ptp',
  'sony-dsc-hx20v.txt': 'mtp',
  'sony-dsc-rx100.txt': 'mtp',
  'sony-dsc-rx100m2.txt': 'mtp',
  'sony-hx200v.txt': 'mtp',
  'sony-hx90v.txt': 'mtp',
  'sony-ilce1.txt': 'mtp', // "Sony PTP Extensions" but also MTP operations
  'sony-nex-7.txt': 'mtp', // VendorExtensionID 0xFFFFFFFF
  'sony-nex6.txt': 'mtp',
  'sony-rx10-3.txt': 'ptp',
  'sony-slt-a55.txt': 'ptp',
  'sony-slt-a58.txt': 'mtp',
  'sony-slt-a65v.txt': 'mtp',
  'sony-slt-a900.txt': 'ptp',
  'sony-slt-a99v.txt': 'mtp',
  'sony-wx220.txt': 'mtp',
  'sony-zv1.txt': 'mtp',
  'toshiba-gigabeat.txt': 'mtp',
};

/** How many devices of the fixture each extension gets, counted from the table above. */
const COUNTS: Readonly<Record<ExtensionName, number>> = { canon: 62, nikon: 50, parrot: 1, mtp: 42, ptp: 23 };

describe('extension detection', () => {
  describe('on 178 real DeviceInfos', () => {
    it('the expectation table lists exactly the fixture devices', () => {
      expect(recorded).to.have.length(178);
      expect(Object.keys(EXPECTED).sort()).to.deep.equal(recorded.map((r) => r.source).sort());
    });

    for (const r of recorded) {
      it(r.source, () => {
        expect(detectExtension(deviceInfoOf(r)).name).to.equal(EXPECTED[r.source]);
      });
    }

    it('gives each extension its share of the devices', () => {
      const counts: Record<string, number> = {};
      for (const r of recorded) {
        const name = detectExtension(deviceInfoOf(r)).name;
        counts[name] = (counts[name] ?? 0) + 1;
      }
      expect(counts).to.deep.equal(COUNTS);
      expect(Object.values(COUNTS).reduce((a, b) => a + b, 0)).to.equal(178);
    });

    it('does not crash on "(null)" strings, VendorExtensionID 0xFFFFFFFF or an empty DeviceInfo', () => {
      const nulls = recorded.filter((r) => r.manufacturer === '(null)' || r.model === '(null)');
      const allOnes = recorded.filter((r) => r.vendorExtensionId === 0xffffffff);
      expect(nulls.map((r) => r.source)).to.include.members(['canon-powershot-a530.txt', 'motorola-k1.txt']);
      expect(allOnes.map((r) => r.source)).to.include('sony-nex-7.txt');
      const known = listExtensions().map((e) => e.name);
      for (const r of [...nulls, ...allOnes]) expect(known, r.source).to.include(detectExtension(deviceInfoOf(r)).name);
      expect(detectExtension(infoOf('canon-powershot-a530.txt')).name).to.equal('canon');
      expect(detectExtension(infoOf('sony-nex-7.txt')).name).to.equal('mtp');
      expect(detectExtension(deviceInfoOf({ source: 'empty' } as Recorded)).name).to.equal('ptp');
    });
  });

  describe('a vendor extension on an MTP device', () => {
    it('carries the MTP layer beneath its own and keeps its name', () => {
      const ext = detectExtension(infoOf('canon-eos60d.txt')); // lists GetObjectPropsSupported..GetObjectPropList
      expect(ext.name).to.equal('canon');
      expect(codeLayers(ext)).to.deep.equal([...codeLayers(mtpExtension), ...codeLayers(canonExtension)]);
      const names = new CodeNames(codeLayers(ext));
      expect(names.name('operation', 0x9805)).to.equal('GetObjectPropList'); // MTP's, beneath
      expect(names.name('operation', 0x9101)).to.equal('EOS_GetStorageIDs'); // Canon's wins the collision
      expect(names.name('operation', 0x9116)).to.equal('EOS_GetEvent');
      expect(detectExtension(infoOf('canon-eos60d.txt'))).to.equal(ext); // the same object every time
    });

    it('does not carry it on a device without MTP operations', () => {
      const ext = detectExtension(infoOf('canon-eos-r.txt'));
      expect(ext).to.equal(canonExtension);
      expect(new CodeNames(codeLayers(ext)).name('operation', 0x9805)).to.equal(undefined);
      expect(fitExtension(nikonExtension, infoOf('nikon-d750.txt'))).to.equal(nikonExtension);
      expect(fitExtension(mtpExtension, infoOf('nikon-d90.txt'))).to.equal(mtpExtension);
    });

    it('Nikon on MTP: 0x9201 is StartLiveView, not an MTP playlist report', () => {
      const ext = detectExtension(infoOf('nikon-d90.txt'));
      expect(ext.name).to.equal('nikon');
      expect(new CodeNames(codeLayers(ext)).name('operation', 0x9201)).to.equal('StartLiveView');
    });
  });

  describe('colliding vendor codes', () => {
    it('0x9101 has a different name under the canon and mtp layers, and none in plain PTP', () => {
      const canon = new CodeNames(codeLayers(canonExtension));
      const mtp = new CodeNames(codeLayers(mtpExtension));
      expect(canon.name('operation', 0x9101)).to.equal('EOS_GetStorageIDs');
      expect(mtp.name('operation', 0x9101)).to.equal('GetSecureTimeChallenge');
      expect(CodeNames.standard.name('operation', 0x9101)).to.equal(undefined);
    });

    it('0x9201 and 0xC101 mean something else to Nikon, Parrot and MTP', () => {
      const nikon = new CodeNames(codeLayers(nikonExtension));
      const parrot = new CodeNames(codeLayers(parrotExtension));
      const canon = new CodeNames(codeLayers(canonExtension));
      expect(nikon.describe('operation', 0x9201)).to.equal('0x9201 StartLiveView');
      expect(parrot.describe('operation', 0x9201)).to.equal('0x9201 GetSunshineValues');
      expect(new CodeNames(codeLayers(mtpExtension)).describe('operation', 0x9201)).to.equal('0x9201 ReportAddedDeletedItems');
      expect(nikon.name('event', 0xc101)).to.equal('ObjectAddedInSDRAM');
      expect(canon.name('event', 0xc101)).to.equal('EOS_RequestGetEvent');
    });
  });

  describe('the registry', () => {
    it('registers ptp, mtp, canon, nikon and parrot, found by name', () => {
      expect(listExtensions().map((e) => e.name)).to.include.members(['ptp', 'mtp', 'canon', 'nikon', 'parrot']);
      expect(findExtension('canon')).to.equal(canonExtension);
      expect(findExtension('nikon')).to.equal(nikonExtension);
      expect(findExtension('parrot')).to.equal(parrotExtension);
      expect(findExtension('mtp')).to.equal(mtpExtension);
      expect(findExtension('sony')).to.equal(undefined);
    });
  });

  describe('against the virtual camera', () => {
    it('detects canon on canon-eos-60d, and an imposed nikon overrides detection', async () => {
      const vcam = await startVirtualCamera({ personality: 'canon-eos-60d' });
      try {
        const detected = await Camera.open({ transport: vcam.connect() });
        try {
          expect(detected.extension.name).to.equal('canon');
          expect(detected.codeNames.name('operation', 0x9116)).to.equal('EOS_GetEvent');
        } finally {
          await detected.close();
        }
        const imposed = await Camera.open({ extension: 'nikon', transport: vcam.connect() });
        try {
          expect(imposed.extension.name).to.equal('nikon');
          expect(imposed.codeNames.name('operation', 0x9116)).to.equal(undefined);
          expect(imposed.codeNames.name('operation', 0x90c7)).to.equal('GetEvent');
        } finally {
          await imposed.close();
        }
      } finally {
        await vcam.close();
      }
    });
  });
});
