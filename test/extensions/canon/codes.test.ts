import { expect } from 'chai';
import { CodeNames } from '../../../src/core/codes/names.js';
import {
  canonExtension,
  CanonDevicePropCode,
  CanonEventCode,
  CanonObjectFormatCode,
  CanonOperationCode,
  CanonResponseCode,
} from '../../../src/extensions/canon/index.js';
import { codeLayers } from '../../../src/extensions/extension.js';
import { checkVendorTable } from '../code-table-checks.js';

describe('Canon code tables', () => {
  it('are well formed: one name per code, vendor ranges only, no standard names', () => {
    checkVendorTable('operation', CanonOperationCode);
    checkVendorTable('response', CanonResponseCode);
    checkVendorTable('event', CanonEventCode);
    checkVendorTable('property', CanonDevicePropCode);
    checkVendorTable('format', CanonObjectFormatCode);
  });

  it('hold the EOS operations libgphoto2 knows, at its codes', () => {
    const eos: Record<string, number> = {
      GetStorageIDs: 0x9101, GetStorageInfo: 0x9102, GetObjectInfo: 0x9103, GetObject: 0x9104, DeleteObject: 0x9105,
      FormatStore: 0x9106, GetPartialObject: 0x9107, GetDeviceInfoEx: 0x9108, GetObjectInfoEx: 0x9109, GetThumbEx: 0x910a,
      SendPartialObject: 0x910b, SetObjectAttributes: 0x910c, GetObjectTime: 0x910d, SetObjectTime: 0x910e,
      RemoteRelease: 0x910f, SetDevicePropValueEx: 0x9110, GetRemoteMode: 0x9113, SetRemoteMode: 0x9114,
      SetEventMode: 0x9115, GetEvent: 0x9116, TransferComplete: 0x9117, CancelTransfer: 0x9118, ResetTransfer: 0x9119,
      PCHDDCapacity: 0x911a, SetUILock: 0x911b, ResetUILock: 0x911c, KeepDeviceOn: 0x911d, BulbStart: 0x9125,
      BulbEnd: 0x9126, RemoteReleaseOn: 0x9128, RemoteReleaseOff: 0x9129, InitiateViewfinder: 0x9151,
      TerminateViewfinder: 0x9152, GetViewFinderData: 0x9153, DoAf: 0x9154, DriveLens: 0x9155, AfCancel: 0x9160,
      FAPIMessageTX: 0x91fe, FAPIMessageRX: 0x91ff,
    };
    const table: Record<string, number> = CanonOperationCode;
    for (const [name, code] of Object.entries(eos)) expect(table[`EOS_${name}`], name).to.equal(code);
    // PTPy gives GetWftProfile the same code as SetWftProfile; libgphoto2's is the next one.
    expect(CanonOperationCode.EOS_SetWftProfile).to.equal(0x9122);
    expect(CanonOperationCode.EOS_GetWftProfile).to.equal(0x9123);
  });

  it('hold the PowerShot operations 0x9001..0x9036', () => {
    expect(CanonOperationCode.KeepDeviceOn).to.equal(0x9003);
    expect(CanonOperationCode.InitiateReleaseControl).to.equal(0x9008);
    expect(CanonOperationCode.CheckEvent).to.equal(0x9013);
    expect(CanonOperationCode.GetViewfinderImage).to.equal(0x901d);
    expect(CanonOperationCode.GetWirelessMAXChannel).to.equal(0x9036);
    const legacy = Object.values(CanonOperationCode).filter((c) => c >= 0x9001 && c <= 0x9036);
    expect(legacy).to.have.length(50); // 0x9001..0x9036 but for 0x9007, 0x902C, 0x902E and 0x902F, which libgphoto2 does not name
  });

  it('hold EOS events, properties, responses and formats', () => {
    expect(CanonEventCode.EOS_RequestGetEvent).to.equal(0xc101);
    expect(CanonEventCode.EOS_ObjectAddedEx).to.equal(0xc181);
    expect(CanonEventCode.EOS_PropValueChanged).to.equal(0xc189);
    expect(CanonEventCode.EOS_AvailListChanged).to.equal(0xc18a);
    expect(CanonEventCode.EOS_ObjectAddedEx64).to.equal(0xc1a7);
    expect(CanonDevicePropCode.EOS_Aperture).to.equal(0xd101);
    expect(CanonDevicePropCode.EOS_ShutterSpeed).to.equal(0xd102);
    expect(CanonDevicePropCode.EOS_ISOSpeed).to.equal(0xd103);
    expect(CanonDevicePropCode.EOS_EVFOutputDevice).to.equal(0xd1b0);
    expect(CanonDevicePropCode.BeepMode).to.equal(0xd001);
    expect(CanonDevicePropCode.CanonWhiteBalance).to.equal(0xd013); // `WhiteBalance` stays the standard 0x5005
    expect(CanonResponseCode.UnknownCommand).to.equal(0xa001);
    expect(CanonResponseCode.ObjectNotReady).to.equal(0xa102);
    expect(CanonObjectFormatCode.CR3).to.equal(0xb108);
  });

  it('name codes through the extension, beside the standard names', () => {
    const names = new CodeNames(codeLayers(canonExtension));
    expect(names.describe('operation', 0x9116)).to.equal('0x9116 EOS_GetEvent');
    expect(names.code('property', 'WhiteBalance')).to.equal(0x5005);
    expect(names.code('property', 'CanonWhiteBalance')).to.equal(0xd013);
    expect(names.describe('response', 0xa102)).to.equal('0xA102 ObjectNotReady');
    expect(names.name('format', 0xb108)).to.equal('CR3');
  });
});
