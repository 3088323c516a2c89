import { expect } from 'chai';
import {
  AccessCapability,
  AssociationType,
  CodeNames,
  DevicePropCode,
  EventCode,
  FilesystemType,
  ObjectFormatCode,
  OperationCode,
  ProtectionStatus,
  ResponseCode,
  StorageType,
  hex16,
  isVendorCode,
  type CodeKind,
  type CodeTable,
} from '../../src/core/codes/index.js';

const standardTables: ReadonlyArray<[CodeKind, CodeTable]> = [
  ['operation', OperationCode],
  ['response', ResponseCode],
  ['event', EventCode],
  ['property', DevicePropCode],
  ['format', ObjectFormatCode],
];

const valueTables: ReadonlyArray<[string, CodeTable]> = [
  ...standardTables,
  ['AssociationType', AssociationType],
  ['StorageType', StorageType],
  ['FilesystemType', FilesystemType],
  ['AccessCapability', AccessCapability],
  ['ProtectionStatus', ProtectionStatus],
];

describe('core/codes', () => {
  describe('standard tables', () => {
    it('holds the well-known values', () => {
      expect(OperationCode.GetDeviceInfo).to.equal(0x1001);
      expect(OperationCode.GetPartialObject).to.equal(0x101b);
      expect(OperationCode.GetResizedImageObject).to.equal(0x1022);
      expect(OperationCode.GetFilesystemManifest).to.equal(0x1023);
      expect(OperationCode.GetStream).to.equal(0x1025);
      expect(ResponseCode.OK).to.equal(0x2001);
      expect(ResponseCode.DeviceBusy).to.equal(0x2019);
      expect(ResponseCode.InvalidParameter).to.equal(0x201d);
      expect(ResponseCode.InvalidDataset).to.equal(0x2023);
      expect(EventCode.ObjectAdded).to.equal(0x4002);
      expect(EventCode.UnreportedStatus).to.equal(0x400e);
      expect(DevicePropCode.BatteryLevel).to.equal(0x5001);
      expect(DevicePropCode.CopyrightInfo).to.equal(0x501f);
      expect(DevicePropCode.SupportedStreams).to.equal(0x5020);
      expect(ObjectFormatCode.Association).to.equal(0x3001);
      expect(ObjectFormatCode.ExifJpeg).to.equal(0x3801);
      expect(ObjectFormatCode.DNG).to.equal(0x3811);
      expect(AssociationType.Panoramic2D).to.equal(6);
      expect(ProtectionStatus.NonTransferableData).to.equal(0x8003);
    });

    it('has contiguous operation, response and event ranges', () => {
      const contiguous = (table: CodeTable, from: number, to: number) => {
        const codes = new Set(Object.values(table));
        for (let c = from; c <= to; c++) expect(codes.has(c), hex16(c)).to.equal(true);
        expect(codes.size).to.equal(to - from + 1);
      };
      contiguous(OperationCode, 0x1000, 0x1025);
      contiguous(ResponseCode, 0x2000, 0x2023);
      contiguous(EventCode, 0x4000, 0x400e);
      contiguous(DevicePropCode, 0x5000, 0x502c);
    });

    it('skips the reserved image format codes', () => {
      const codes = Object.values(ObjectFormatCode) as number[];
      expect(codes).to.not.include(0x3806);
      expect(codes).to.not.include(0x380c);
    });

    for (const [label, table] of valueTables) {
      it(`${label} has no duplicate codes`, () => {
        const seen = new Map<number, string>();
        for (const [name, code] of Object.entries(table)) {
          expect(seen.has(code), `${name} reuses ${hex16(code)} of ${seen.get(code)}`).to.equal(false);
          seen.set(code, name);
        }
      });
    }

    it('keeps standard codes out of every vendor range', () => {
      for (const [kind, table] of standardTables) {
        for (const code of Object.values(table)) expect(isVendorCode(kind, code), hex16(code)).to.equal(false);
      }
    });
  });

  describe('CodeNames.standard', () => {
    const names = CodeNames.standard;

    it('describes known codes with uppercase hex', () => {
      expect(names.describe('response', 0x2019)).to.equal('0x2019 DeviceBusy');
      expect(names.describe('response', 0x201d)).to.equal('0x201D InvalidParameter');
      expect(names.describe('operation', 0x1001)).to.equal('0x1001 GetDeviceInfo');
      expect(names.describe('format', 0x3801)).to.equal('0x3801 ExifJpeg');
    });

    it('describes unknown codes with the kind', () => {
      expect(names.describe('operation', 0x9999)).to.equal('0x9999 (unknown operation)');
      expect(names.describe('event', 0xc001)).to.equal('0xC001 (unknown event)');
      expect(names.name('operation', 0x9999)).to.equal(undefined);
      expect(names.code('operation', 'NoSuchOperation')).to.equal(undefined);
    });

    it('does not confuse kinds', () => {
      expect(names.name('event', 0x2019)).to.equal(undefined);
      expect(names.code('event', 'DeviceBusy')).to.equal(undefined);
      // StoreFull exists as both a response and an event, with different codes.
      expect(names.code('response', 'StoreFull')).to.equal(0x200c);
      expect(names.code('event', 'StoreFull')).to.equal(0x400a);
    });

    for (const [kind, table] of standardTables) {
      it(`round-trips every ${kind} name and code`, () => {
        for (const [name, code] of Object.entries(table)) {
          expect(names.name(kind, code)).to.equal(name);
          expect(names.code(kind, name)).to.equal(code);
        }
      });
    }
  });

  describe('vendor layers', () => {
    const canon = CodeNames.standard.with({ operation: { CanonGetEvent: 0x9116, Bogus: 0x1001 } });

    it('names vendor codes', () => {
      expect(canon.describe('operation', 0x9116)).to.equal('0x9116 CanonGetEvent');
      expect(canon.code('operation', 'CanonGetEvent')).to.equal(0x9116);
    });

    it('cannot rename or re-code a standard entry', () => {
      expect(canon.name('operation', 0x1001)).to.equal('GetDeviceInfo');
      expect(canon.code('operation', 'Bogus')).to.equal(undefined);
      const sneaky = CodeNames.standard.with({ operation: { GetDeviceInfo: 0x9001 } });
      expect(sneaky.code('operation', 'GetDeviceInfo')).to.equal(0x1001);
    });

    it('ignores codes in another kind’s vendor range', () => {
      const misplaced = new CodeNames([{ event: { NotAnEvent: 0x9001 }, property: { Prop: 0xd001 } }]);
      expect(misplaced.name('event', 0x9001)).to.equal(undefined);
      expect(misplaced.name('property', 0xd001)).to.equal('Prop');
    });

    it('leaves the instance it was derived from unchanged', () => {
      expect(CodeNames.standard.name('operation', 0x9116)).to.equal(undefined);
    });

    it('keeps colliding vendor codes apart per instance', () => {
      const eos = new CodeNames([{ operation: { EOSGetStorageIDs: 0x9101 } }]);
      const mtp = new CodeNames([{ operation: { GetSecureTimeChallenge: 0x9101 } }]);
      expect(eos.name('operation', 0x9101)).to.equal('EOSGetStorageIDs');
      expect(mtp.name('operation', 0x9101)).to.equal('GetSecureTimeChallenge');
    });

    it('lets a later layer win for the same vendor code', () => {
      const stacked = new CodeNames([{ response: { Lower: 0xa001 } }]).with({ response: { Upper: 0xa001 } });
      expect(stacked.name('response', 0xa001)).to.equal('Upper');
      // The lower layer's name still resolves, as an alias.
      expect(stacked.code('response', 'Lower')).to.equal(0xa001);
    });

    it('uses the first declared name when one table names a code twice', () => {
      const aliased = new CodeNames([{ event: { First: 0xc101, Second: 0xc101 } }]);
      expect(aliased.name('event', 0xc101)).to.equal('First');
      expect(aliased.code('event', 'Second')).to.equal(0xc101);
    });

    it('falls back to earlier layers for codes the top layer lacks', () => {
      const two = new CodeNames([{ format: { CRW: 0xb101 } }, { format: { CR3: 0xb108 } }]);
      expect(two.name('format', 0xb101)).to.equal('CRW');
      expect(two.name('format', 0xb108)).to.equal('CR3');
    });
  });

  describe('isVendorCode', () => {
    it('matches each kind’s range', () => {
      expect(isVendorCode('operation', 0x9000)).to.equal(true);
      expect(isVendorCode('operation', 0x9fff)).to.equal(true);
      expect(isVendorCode('operation', 0xa000)).to.equal(false);
      expect(isVendorCode('response', 0xa001)).to.equal(true);
      expect(isVendorCode('format', 0xb101)).to.equal(true);
      expect(isVendorCode('event', 0xc101)).to.equal(true);
      expect(isVendorCode('property', 0xd001)).to.equal(true);
      expect(isVendorCode('property', 0xf002)).to.equal(true); // Nikon 1 vendor properties
      expect(isVendorCode('property', 0x5001)).to.equal(false);
      expect(isVendorCode('operation', 0x19000)).to.equal(false);
    });
  });

  describe('hex16', () => {
    it('pads to four uppercase digits', () => {
      expect(hex16(0x201d)).to.equal('0x201D');
      expect(hex16(1)).to.equal('0x0001');
      expect(hex16(0xffff)).to.equal('0xFFFF');
    });

    it('does not throw on out-of-range input', () => {
      expect(hex16(0x12345)).to.equal('0x12345');
      expect(hex16(-1)).to.equal('-1');
      expect(hex16(Number.NaN)).to.equal('NaN');
    });
  });
});
