import { expect } from 'chai';
import { CodeNames, type CodeKind, type CodeTable } from '../../../src/core/codes/names.js';
import type { DeviceInfo } from '../../../src/core/datasets/device-info.js';
import { codeLayers } from '../../../src/extensions/extension.js';
import {
  isMtpDevice, MTP_OPERATIONS, MtpDevicePropCode, MtpEventCode, MtpObjectFormatCode, MtpObjectPropCode,
  mtpExtension, MtpOperationCode, MtpResponseCode, OBJECT_PROP_DATATYPES,
} from '../../../src/extensions/mtp/index.js';
import { checkVendorTable } from '../code-table-checks.js';

interface Recorded {
  readonly manufacturer: string | null;
  readonly vendorExtensionId: number | null;
  readonly vendorExtensionDesc: string | null;
  readonly operationsSupported: readonly number[] | null;
  readonly source: string;
}

const { default: recorded } = (await import('../../fixtures/deviceinfo-real-cameras.json', { with: { type: 'json' } })) as {
  default: Recorded[];
};

function infoOf(source: string): DeviceInfo {
  const r = recorded.find((d) => d.source === source);
  if (r === undefined) throw new Error(`no fixture ${source}`);
  return {
    standardVersion: 100, vendorExtensionId: r.vendorExtensionId ?? 0, vendorExtensionVersion: 0,
    vendorExtensionDesc: r.vendorExtensionDesc ?? '', functionalMode: 0,
    operationsSupported: [...(r.operationsSupported ?? [])], eventsSupported: [], devicePropertiesSupported: [],
    captureFormats: [], playbackFormats: [], manufacturer: r.manufacturer ?? '', model: '', deviceVersion: '', serialNumber: '',
  };
}

describe('MTP code tables', () => {
  const tables: Array<[CodeKind, string, CodeTable]> = [
    ['operation', 'MtpOperationCode', MtpOperationCode],
    ['response', 'MtpResponseCode', MtpResponseCode],
    ['event', 'MtpEventCode', MtpEventCode],
    ['property', 'MtpDevicePropCode', MtpDevicePropCode],
    ['property', 'MtpObjectPropCode', MtpObjectPropCode],
    ['format', 'MtpObjectFormatCode', MtpObjectFormatCode],
  ];
  for (const [kind, name, table] of tables) {
    it(`${name}: no code twice, all in the ${kind} vendor range, no standard name reused`, () => {
      checkVendorTable(kind, table);
    });
  }

  it('device and object property codes do not collide (they share the property layer)', () => {
    const device = new Set<number>(Object.values(MtpDevicePropCode));
    for (const [name, code] of Object.entries(MtpObjectPropCode)) {
      expect(device.has(code), name).to.equal(false);
      expect(name in MtpDevicePropCode, name).to.equal(false);
    }
  });

  it('has the codes of MTP 1.1 and its extensions, spelled right', () => {
    expect(MtpOperationCode.GetObjectPropList).to.equal(0x9805);
    expect(MtpOperationCode.GetInterdependentPropDesc).to.equal(0x9807);
    expect(MtpOperationCode.SendObjectPropList).to.equal(0x9808);
    expect(MtpOperationCode.Skip).to.equal(0x9820);
    expect(MtpOperationCode.GetSecureTimeChallenge).to.equal(0x9101);
    expect(MtpOperationCode.OpenMediaSession).to.equal(0x9170);
    expect(MtpOperationCode.ReportAddedDeletedItems).to.equal(0x9201);
    expect(MtpResponseCode.Specification_By_Depth_Unsupported).to.equal(0xa808);
    expect(MtpEventCode.ObjectReferencesChanged).to.equal(0xc803);
    expect(MtpDevicePropCode.DeviceFriendlyName).to.equal(0xd402);
    expect(MtpObjectFormatCode.WMA).to.equal(0xb901);
    expect(MtpObjectFormatCode.MP4).to.equal(0xb982);
    expect(MtpObjectFormatCode.AbstractAudioVideoPlaylist).to.equal(0xba05);
    expect(MtpObjectPropCode.PersistentUniqueObjectIdentifier).to.equal(0xdc41);
    expect(MtpObjectPropCode.ObjectFileName).to.equal(0xdc07);
    expect(MtpObjectPropCode.Width).to.equal(0xdc87);
  });

  it('every datatype in OBJECT_PROP_DATATYPES belongs to a known object property', () => {
    const known = new Set<number>(Object.values(MtpObjectPropCode));
    for (const code of OBJECT_PROP_DATATYPES.keys()) expect(known.has(code), code.toString(16)).to.equal(true);
  });

  it('names resolve through CodeNames with the MTP layer', () => {
    const names = new CodeNames(codeLayers(mtpExtension));
    expect(names.name('operation', 0x9805)).to.equal('GetObjectPropList');
    expect(names.code('operation', 'SendObjectPropList')).to.equal(0x9808);
    expect(names.name('response', 0xa801)).to.equal('Invalid_ObjectPropCode');
    expect(names.name('event', 0xc801)).to.equal('ObjectPropChanged');
    expect(names.name('property', 0xd402)).to.equal('DeviceFriendlyName');
    expect(names.name('property', 0xdc07)).to.equal('ObjectFileName');
    expect(names.name('format', 0xb982)).to.equal('MP4');
    // Standard codes stay standard.
    expect(names.name('operation', 0x1008)).to.equal('GetObjectInfo');
    expect(CodeNames.standard.name('operation', 0x9805)).to.equal(undefined);
  });

  it('0x9101 is named by the active layer: MTP DRM here, something else on another vendor', () => {
    const other = { operation: { HypotheticalGetStorageIds: 0x9101 } };
    expect(new CodeNames(codeLayers(mtpExtension)).name('operation', 0x9101)).to.equal('GetSecureTimeChallenge');
    expect(new CodeNames([other]).name('operation', 0x9101)).to.equal('HypotheticalGetStorageIds');
    // A vendor on top of MTP wins where they collide; MTP still names the rest.
    const layered = new CodeNames([...codeLayers(mtpExtension), other]);
    expect(layered.name('operation', 0x9101)).to.equal('HypotheticalGetStorageIds');
    expect(layered.name('operation', 0x9102)).to.equal('GetSecureTimeResponse');
  });
});

describe('MTP detection (mtpExtension.match)', () => {
  it('is named mtp', () => {
    expect(mtpExtension.name).to.equal('mtp');
  });

  it('fits MTP players and phones', () => {
    for (const source of ['iRiver-t10.txt', 'iRiver-u10.txt', 'creative-zen.txt', 'samsung-galaxy-s2.txt', 'apple-iphone-4.txt']) {
      const info = infoOf(source);
      expect(isMtpDevice(info), source).to.equal(true);
      expect(mtpExtension.match(info), source).to.be.greaterThan(0);
    }
  });

  it('fits every recorded device that lists GetObjectPropList', () => {
    const withPropList = recorded.filter((r) => (r.operationsSupported ?? []).includes(MtpOperationCode.GetObjectPropList));
    expect(withPropList.length).to.be.greaterThan(10);
    for (const r of withPropList) expect(mtpExtension.match(infoOf(r.source)), r.source).to.be.greaterThan(0);
  });

  it('scores a device naming microsoft.com higher than one that only lists the operations', () => {
    const players = mtpExtension.match(infoOf('creative-zen.txt'));
    const apple = mtpExtension.match(infoOf('apple-iphone-4.txt'));
    expect(players).to.be.greaterThan(apple);
  });

  it('does not fit plain PTP cameras', () => {
    for (const source of ['hp-photosmart120.txt', 'kodak-cx6230.txt', 'panasonic-dmc-fz20.txt', 'apple-iphone-touch.txt']) {
      const info = infoOf(source);
      expect(info.operationsSupported.some((op) => MTP_OPERATIONS.includes(op)), source).to.equal(false);
      expect(mtpExtension.match(info), source).to.equal(0);
    }
  });
});
