/**
 * The Nikon API against the virtual camera's `nikon-d750` personality, end to
 * end over the in-process pair and over PTP/IP on loopback.
 */
import { expect } from 'chai';
import { EventCode } from '../../../src/core/codes/events.js';
import { OperationCode } from '../../../src/core/codes/operations.js';
import { ResponseCode } from '../../../src/core/codes/responses.js';
import {
  nikon, NIKON_SDRAM_HANDLE, NikonDevicePropCode, NikonEventCode, NikonOperationCode as Op, NikonResponseCode,
} from '../../../src/extensions/nikon/index.js';
import { jpegDimensions } from '../../../src/responder/jpeg.js';
import realCameras from '../../../src/responder/personalities/real-cameras.json' with { type: 'json' };
import { expectResponseCode } from '../../support/assertions.js';
import { forEachWire, openOnWire, tempFolder } from '../../support/virtual-wires.js';


const isJpeg = (b: Uint8Array): boolean => b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;

describe('Nikon virtual camera implements only what the recorded D750 lists', () => {
  it('every Nikon operation it answers is in the D750\'s OperationsSupported', async () => {
    const d750 = (realCameras as ReadonlyArray<{ source: string; operationsSupported: number[] }>).find((r) => r.source === 'nikon-d750.txt')!;
    for (const code of [Op.GetEvent, Op.DeviceReady, Op.InitiateCaptureRecInSdram, Op.AfDrive, Op.GetVendorPropCodes,
      Op.StartLiveView, Op.EndLiveView, Op.GetLiveViewImg]) {
      expect(d750.operationsSupported, `0x${code.toString(16)}`).to.include(code);
    }
  });
});

forEachWire('Nikon D750 personality', (wire) => {
  const rig = openOnWire(wire, { folder: () => tempFolder('ptpts-nikon-'), start: { personality: 'nikon-d750' } });

  it('is detected as nikon and names Nikon codes', () => {
    expect(rig.camera.extension.name).to.equal('nikon');
    expect(rig.camera.deviceInfo.model).to.equal('D750');
    expect(rig.camera.codeNames.name('operation', Op.GetLiveViewImg)).to.equal('GetLiveViewImg');
  });

  it('captures to SDRAM: ObjectAddedInSDRAM, then the JPEG downloads and leaves SDRAM', async () => {
    await rig.camera.session(async () => {
      const nk = nikon(rig.camera);
      expect(await nk.getEvents()).to.deep.equal([]);
      await nk.captureToSdram({ intervalMs: 5 });
      const events = await nk.getEvents();
      expect(events.map((e) => e.name)).to.deep.equal(['ObjectAddedInSDRAM', 'CaptureCompleteRecInSdram']);
      const added = events[0]!;
      expect(added.code).to.equal(NikonEventCode.ObjectAddedInSDRAM);
      expect(added.param).to.equal(NIKON_SDRAM_HANDLE);
      const info = await rig.camera.getObjectInfo(added.param);
      expect(info.filename).to.match(/^DSC_\d{4}\.JPG$/);
      expect(info.parentObject).to.equal(0);
      const jpeg = await rig.camera.getObject(added.param);
      expect(jpeg.length).to.equal(info.objectCompressedSize);
      expect(isJpeg(jpeg)).to.equal(true);
      expect(jpegDimensions(jpeg)).to.deep.equal({ width: info.imagePixWidth, height: info.imagePixHeight });
      await expectResponseCode(rig.camera.getObjectInfo(NIKON_SDRAM_HANDLE), ResponseCode.InvalidObjectHandle);
      // Nothing of it reached the card.
      expect(await rig.camera.getObjectHandles()).to.deep.equal([]);
      expect(await nk.getEvents()).to.deep.equal([]);
    });
  });

  it('DeviceReady answers DeviceBusy once after a capture, then OK', async () => {
    await rig.camera.session(async () => {
      await rig.camera.transaction(Op.InitiateCaptureRecInSdram, [0xffffffff]);
      const first = await rig.camera.transaction(Op.DeviceReady, [], { accept: [ResponseCode.DeviceBusy] });
      expect(first.code).to.equal(ResponseCode.DeviceBusy);
      const second = await rig.camera.transaction(Op.DeviceReady);
      expect(second.code).to.equal(ResponseCode.OK);
    });
  });

  it('queues several captures behind the one SDRAM handle', async () => {
    await rig.camera.session(async () => {
      const nk = nikon(rig.camera);
      await nk.captureToSdram({ intervalMs: 1 });
      await nk.captureToSdram({ intervalMs: 1 });
      const names: string[] = [];
      for (let i = 0; i < 2; i++) {
        names.push((await rig.camera.getObjectInfo(NIKON_SDRAM_HANDLE)).filename);
        await rig.camera.getObject(NIKON_SDRAM_HANDLE);
      }
      expect(names[0]).to.not.equal(names[1]);
      await expectResponseCode(rig.camera.getObject(NIKON_SDRAM_HANDLE), ResponseCode.InvalidObjectHandle);
    });
  });

  it('autofocus runs AfDrive and waits for DeviceReady', async () => {
    await rig.camera.session(async () => {
      await nikon(rig.camera).autofocus({ intervalMs: 1 });
      expect((await rig.camera.transaction(Op.DeviceReady)).code).to.equal(ResponseCode.OK);
    });
  });

  it('pollEvents yields DevicePropChanged after a property is set', async () => {
    await rig.camera.session(async () => {
      const nk = nikon(rig.camera);
      await rig.camera.setDevicePropValue(NikonDevicePropCode.RecordingMedia, 1);
      expect(await rig.camera.getDevicePropValue(NikonDevicePropCode.RecordingMedia)).to.equal(1);
      const controller = new AbortController();
      const seen = [];
      for await (const event of nk.pollEvents({ intervalMs: 5, signal: controller.signal })) {
        seen.push(event);
        controller.abort();
      }
      expect(seen).to.deep.equal([{ code: EventCode.DevicePropChanged, name: 'DevicePropChanged', param: NikonDevicePropCode.RecordingMedia }]);
    });
  });

  it('pollEvents ends when its signal aborts while the queue is empty', async () => {
    await rig.camera.session(async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 30);
      const seen = [];
      for await (const event of nikon(rig.camera).pollEvents({ intervalMs: 5, signal: controller.signal })) seen.push(event);
      expect(seen).to.deep.equal([]);
    });
  });

  it('lists its vendor properties with GetVendorPropCodes, and they answer', async () => {
    await rig.camera.session(async () => {
      const codes = await nikon(rig.camera).getVendorPropCodes();
      expect(codes).to.include.members([NikonDevicePropCode.LiveViewStatus, NikonDevicePropCode.RecordingMedia]);
      for (const code of codes) expect((await rig.camera.getDevicePropDesc(code)).propertyCode).to.equal(code);
    });
  });

  it('live view: refused while off, frames while on, refused again after the end', async () => {
    await rig.camera.session(async () => {
      const nk = nikon(rig.camera);
      await expectResponseCode(nk.getLiveViewImage(), NikonResponseCode.NotLiveView);
      await nk.startLiveView({ intervalMs: 1 });
      expect(await rig.camera.getDevicePropValue(NikonDevicePropCode.LiveViewStatus)).to.equal(1);
      const first = await nk.getLiveViewImage();
      const frame = await nk.getLiveViewFrame();
      expect(isJpeg(first)).to.equal(true);
      expect(isJpeg(frame.jpeg)).to.equal(true);
      expect(frame.header.length).to.be.greaterThan(0);
      expect(jpegDimensions(first)).to.deep.equal({ width: 160, height: 120 });
      expect(first).to.not.deep.equal(frame.jpeg);
      await nk.endLiveView();
      expect(await rig.camera.getDevicePropValue(NikonDevicePropCode.LiveViewStatus)).to.equal(0);
      await expectResponseCode(nk.getLiveViewImage(), NikonResponseCode.NotLiveView);
      const names = (await nk.getEvents()).map((e) => e.name);
      expect(names).to.deep.equal(['DevicePropChanged', 'DevicePropChanged']);
    });
  });

  it('still serves the card through GetObjectInfo and GetObject', async () => {
    await rig.camera.session(async () => {
      const { handle } = await rig.camera.uploadObject('a.txt', new TextEncoder().encode('hello'), { parent: 'root' });
      expect((await rig.camera.getObjectInfo(handle)).filename).to.equal('a.txt');
      expect(new TextDecoder().decode(await rig.camera.getObject(handle))).to.equal('hello');
      await expectResponseCode(rig.camera.getObjectInfo(0x1234567), ResponseCode.InvalidObjectHandle);
      expect(rig.camera.supportsOperation(OperationCode.GetObject)).to.equal(true);
    });
  });
});
