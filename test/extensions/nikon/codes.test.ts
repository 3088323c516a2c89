import { expect } from 'chai';
import { CodeNames } from '../../../src/core/codes/names.js';
import { codeLayers } from '../../../src/extensions/extension.js';
import {
  nikonExtension,
  NikonDevicePropCode,
  NikonDevicePropCodeEx,
  NikonEventCode,
  NikonOperationCode,
  NikonResponseCode,
} from '../../../src/extensions/nikon/index.js';
import { checkVendorTable } from '../code-table-checks.js';

describe('Nikon code tables', () => {
  it('are well formed: one name per code, vendor ranges only, no standard names', () => {
    checkVendorTable('operation', NikonOperationCode);
    checkVendorTable('response', NikonResponseCode);
    checkVendorTable('event', NikonEventCode);
    checkVendorTable('property', NikonDevicePropCode);
  });

  it('hold the capture, event and live view operations at libgphoto2\'s codes', () => {
    expect(NikonOperationCode.InitiateCaptureRecInSdram).to.equal(0x90c0);
    expect(NikonOperationCode.AfDrive).to.equal(0x90c1);
    expect(NikonOperationCode.GetEvent).to.equal(0x90c7);
    expect(NikonOperationCode.DeviceReady).to.equal(0x90c8);
    expect(NikonOperationCode.GetVendorPropCodes).to.equal(0x90ca);
    expect(NikonOperationCode.AfCaptureSDRAM).to.equal(0x90cb);
    expect(NikonOperationCode.StartLiveView).to.equal(0x9201);
    expect(NikonOperationCode.EndLiveView).to.equal(0x9202);
    expect(NikonOperationCode.GetLiveViewImg).to.equal(0x9203);
    expect(NikonOperationCode.GetPartialObjectHiSpeed).to.equal(0x9400);
    expect(NikonOperationCode.GetEventEx).to.equal(0x941c);
    expect(NikonOperationCode.GetDevicePropEx).to.equal(0x9504);
  });

  it('hold responses, events and properties, Nikon 1 ones at 0xF0xx', () => {
    expect(NikonResponseCode.HardwareError).to.equal(0xa001);
    expect(NikonResponseCode.NotLiveView).to.equal(0xa00b);
    expect(NikonResponseCode.StoreUnformatted).to.equal(0xa022); // also AdvancedTransferCancel: first name kept
    expect(NikonEventCode.ObjectAddedInSDRAM).to.equal(0xc101);
    expect(NikonEventCode.CaptureCompleteRecInSdram).to.equal(0xc102);
    expect(NikonEventCode.FirstCaptureComplete).to.equal(0xc106);
    expect(NikonDevicePropCode.LiveViewStatus).to.equal(0xd1a2);
    expect(NikonDevicePropCode.NikonExposureTime).to.equal(0xd100); // `ExposureTime` stays the standard 0x500D
    expect(NikonDevicePropCode.Nikon1_ISO).to.equal(0xf002);
    expect(NikonDevicePropCodeEx.AFSubjectDetection).to.equal(0x1d005);
  });

  it('name codes through the extension, including 0xF0xx properties', () => {
    const names = new CodeNames(codeLayers(nikonExtension));
    expect(names.describe('operation', 0x90c7)).to.equal('0x90C7 GetEvent');
    expect(names.name('property', 0xf002)).to.equal('Nikon1_ISO');
    expect(names.code('property', 'ExposureTime')).to.equal(0x500d);
    expect(names.name('event', 0xc102)).to.equal('CaptureCompleteRecInSdram');
  });
});
