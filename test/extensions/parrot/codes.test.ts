import { expect } from 'chai';
import { CodeNames } from '../../../src/core/codes/names.js';
import { codeLayers } from '../../../src/extensions/extension.js';
import { parrotExtension, ParrotDevicePropCode, ParrotEventCode, ParrotOperationCode } from '../../../src/extensions/parrot/index.js';
import { checkVendorTable } from '../code-table-checks.js';

describe('Parrot code tables', () => {
  it('are well formed: one name per code, vendor ranges only, no standard names', () => {
    checkVendorTable('operation', ParrotOperationCode);
    checkVendorTable('event', ParrotEventCode);
    checkVendorTable('property', ParrotDevicePropCode);
  });

  it('hold the Sequoia operations 0x9201..0x9213 and SetGeotag 0x9400', () => {
    expect(Object.values(ParrotOperationCode)).to.have.length(15);
    expect(ParrotOperationCode.GetSunshineValues).to.equal(0x9201);
    expect(ParrotOperationCode.GetImuValues).to.equal(0x9208);
    expect(ParrotOperationCode.EjectStorage).to.equal(0x920a);
    expect(ParrotOperationCode.StartMagnetoCalib).to.equal(0x9210);
    expect(ParrotOperationCode.SendFirmwareUpdate).to.equal(0x9213);
    expect(ParrotOperationCode.SetGeotag).to.equal(0x9400);
  });

  it('hold the two events and the properties 0xD201..0xD224', () => {
    expect(ParrotEventCode).to.deep.equal({ Status: 0xc201, MagnetoCalibrationStatus: 0xc202 });
    expect(Object.values(ParrotDevicePropCode)).to.have.length(28);
    expect(ParrotDevicePropCode.PhotoSensorEnableMask).to.equal(0xd201);
    expect(ParrotDevicePropCode.WifiMode).to.equal(0xd20d);
    expect(ParrotDevicePropCode.AntiFlickeringFrequency).to.equal(0xd210);
    expect(ParrotDevicePropCode.OverlapRate).to.equal(0xd219);
    expect(ParrotDevicePropCode.XMPTag).to.equal(0xd224);
  });

  it('name codes through the extension', () => {
    const names = new CodeNames(codeLayers(parrotExtension));
    expect(names.describe('operation', 0x9201)).to.equal('0x9201 GetSunshineValues');
    expect(names.name('event', 0xc202)).to.equal('MagnetoCalibrationStatus');
    expect(names.name('property', 0xd219)).to.equal('OverlapRate');
  });
});
