/**
 * The Canon EOS API against the virtual camera's `canon-eos-60d` personality,
 * end to end over the in-process pair and over PTP/IP on loopback.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ObjectFormatCode } from '../../../src/core/codes/formats.js';
import { ResponseCode } from '../../../src/core/codes/responses.js';
import { canon, EosCaptureDestination, EosShutterButton, type CanonApi } from '../../../src/extensions/canon/api.js';
import { CanonDevicePropCode as Dp, CanonOperationCode as Op, CanonResponseCode } from '../../../src/extensions/canon/codes.js';
import type { EosEvent } from '../../../src/extensions/canon/eos-events.js';
import { jpegDimensions } from '../../../src/responder/jpeg.js';
import { expectResponseCode } from '../../support/assertions.js';
import { forEachWire, openOnWire, tempFolder } from '../../support/virtual-wires.js';

type Added = EosEvent & { kind: 'objectAdded' };


const isJpeg = (b: Uint8Array): boolean => b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;

forEachWire('Canon EOS 60D personality', (wire) => {
  const rig = openOnWire(wire, { folder: () => tempFolder('ptpts-eos-'), start: { personality: 'canon-eos-60d' } });
  let eos: CanonApi;
  beforeEach(() => {
    eos = canon(rig.camera);
  });

  /** Remote mode, event mode, and the initial dump drained. */
  async function prepare(): Promise<EosEvent[]> {
    await eos.setRemoteMode();
    await eos.setEventMode();
    return eos.getEvents();
  }

  it('is detected as Canon, lists the real 60D operations, and every EOS operation used here is among them', () => {
    expect(rig.camera.extension.name).to.equal('canon');
    expect(rig.camera.deviceInfo.model).to.equal('Canon EOS 60D');
    for (const op of [
      Op.EOS_SetRemoteMode, Op.EOS_SetEventMode, Op.EOS_GetEvent, Op.EOS_SetDevicePropValueEx, Op.EOS_RemoteRelease,
      Op.EOS_RemoteReleaseOn, Op.EOS_RemoteReleaseOff, Op.EOS_KeepDeviceOn, Op.EOS_GetViewFinderData,
      Op.EOS_TransferComplete, Op.EOS_RequestDevicePropValue,
    ]) expect(rig.camera.supportsOperation(op), op.toString(16)).to.equal(true);
    // The real 60D has neither: live view goes through EVFOutputDevice, bulb through RemoteReleaseOn.
    expect(rig.camera.supportsOperation(Op.EOS_BulbStart)).to.equal(false);
    expect(rig.camera.supportsOperation(Op.EOS_InitiateViewfinder)).to.equal(false);
  });

  it('remote mode + event mode: the first GetEvent is the property dump, the next one is empty', async () => {
    await rig.camera.session(async () => {
      const dump = await prepare();
      const values = new Map(dump.flatMap((e) => (e.kind === 'propValueChanged' ? [[e.property, e.value] as const] : [])));
      expect(values.get(Dp.EOS_ISOSpeed)).to.equal(0x58);
      expect(values.get(Dp.EOS_Aperture)).to.equal(0x30);
      expect(values.get(Dp.EOS_LensName)).to.equal('EF-S18-55mm f/3.5-5.6 IS');
      expect(values.get(Dp.EOS_ImageFormat)).to.deep.equal([{ type: 1, size: 0, compression: 3 }]);
      const iso = dump.find((e) => e.kind === 'availListChanged' && e.property === Dp.EOS_ISOSpeed);
      expect(iso).to.deep.include({ formType: 3 });
      expect((iso as EosEvent & { kind: 'availListChanged' }).values).to.include(0x48);
      // Property values come before the lists, as on the real body.
      const kinds = dump.map((e) => e.kind);
      expect(kinds.indexOf('availListChanged')).to.be.greaterThan(kinds.lastIndexOf('propValueChanged'));
      expect(await eos.getEvents()).to.deep.equal([]);
    });
  });

  it('setDevicePropValueEx changes a property and the next GetEvent reports the new value', async () => {
    await rig.camera.session(async () => {
      await prepare();
      await eos.setDevicePropValueEx(Dp.EOS_ISOSpeed, 0x68);
      await eos.setDevicePropValueEx(Dp.EOS_Artist, 'Ann Example');
      const events = await eos.getEvents();
      expect(events.map((e) => e.kind === 'propValueChanged' && [e.property, e.value])).to.deep.equal([
        [Dp.EOS_ISOSpeed, 0x68], [Dp.EOS_Artist, 'Ann Example'],
      ]);
      // Asked for again, it is reported again.
      await eos.requestDevicePropValue(Dp.EOS_ISOSpeed);
      expect((await eos.getEvents()).map((e) => e.kind === 'propValueChanged' && e.value)).to.deep.equal([0x68]);
      await expectResponseCode(eos.setDevicePropValueEx(Dp.EOS_ISOSpeed, 0x69), ResponseCode.InvalidDevicePropValue);
      await expectResponseCode(eos.setDevicePropValueEx(Dp.EOS_AvailableShots, 5), ResponseCode.AccessDenied);
      await expectResponseCode(eos.setDevicePropValueEx(0xd1ff, 1), ResponseCode.DevicePropNotSupported);
      expect(await eos.getEvents()).to.deep.equal([]);
    });
  });

  it('remoteRelease writes a JPEG: ObjectAddedEx carries its handle, and GetObject returns the file on disk', async () => {
    await rig.camera.session(async () => {
      await prepare();
      expect(await eos.remoteRelease()).to.equal(0);
      const added = (await eos.getEvents()).filter((e): e is Added => e.kind === 'objectAdded');
      expect(added.map((e) => e.filename)).to.deep.equal(['DCIM', '100CANON', 'IMG_0001.JPG']);
      const image = added[2]!;
      expect(image.format).to.equal(ObjectFormatCode.ExifJpeg);
      expect(image.parent).to.equal(added[1]!.handle);
      const bytes = await rig.camera.getObject(image.handle) as Uint8Array;
      expect(isJpeg(bytes)).to.equal(true);
      expect(bytes.length).to.equal(image.size);
      const onDisk = await readFile(path.join(rig.root, 'DCIM', '100CANON', 'IMG_0001.JPG'));
      expect(Buffer.from(bytes).equals(onDisk)).to.equal(true);
      expect((await rig.camera.getObjectInfo(image.handle)).filename).to.equal('IMG_0001.JPG');
    });
  });

  it('half press, full press, release: one picture, announced once', async () => {
    await rig.camera.session(async () => {
      await prepare();
      await eos.remoteReleaseOn(EosShutterButton.Half);
      await eos.remoteReleaseOn(EosShutterButton.Full);
      await eos.remoteReleaseOff(EosShutterButton.Full);
      await eos.remoteReleaseOff(EosShutterButton.Half);
      const added = (await eos.getEvents()).filter((e): e is Added => e.kind === 'objectAdded' && e.format === ObjectFormatCode.ExifJpeg);
      expect(added.map((e) => e.filename)).to.deep.equal(['IMG_0001.JPG']);
      // Bulb on a body without BulbStart: a full press without AF, held until bulbEnd.
      await eos.bulbStart();
      await eos.bulbEnd();
      const second = (await eos.getEvents()).filter((e): e is Added => e.kind === 'objectAdded');
      expect(second.map((e) => e.filename)).to.deep.equal(['IMG_0002.JPG']);
      await eos.keepDeviceOn();
    });
  });

  it('capture to the host: RequestObjectTransfer, download, then TransferComplete frees the image', async () => {
    await rig.camera.session(async () => {
      await prepare();
      await eos.setDevicePropValueEx(Dp.EOS_CaptureDestination, EosCaptureDestination.Host);
      await eos.getEvents();
      await eos.remoteRelease();
      const events = await eos.getEvents();
      const request = events.find((e) => e.kind === 'requestObjectTransfer');
      expect(request).to.not.equal(undefined);
      const { handle, size, filename } = request as EosEvent & { kind: 'requestObjectTransfer' };
      expect(filename).to.equal('IMG_0001.JPG');
      const bytes = await rig.camera.getObject(handle) as Uint8Array;
      expect(bytes.length).to.equal(size);
      expect(isJpeg(bytes)).to.equal(true);
      await eos.transferComplete(handle);
      expect((await eos.getEvents()).map((e) => e.kind)).to.deep.equal(['objectRemoved']);
      await expectResponseCode(rig.camera.getObjectInfo(handle), ResponseCode.InvalidObjectHandle);
    });
  });

  it('getViewFinderData: not ready before live view, a JPEG frame once EVFOutputDevice says host', async () => {
    await rig.camera.session(async () => {
      await prepare();
      await expectResponseCode(eos.getViewFinderData(), CanonResponseCode.ObjectNotReady);
      await eos.startLiveView();
      const frame = await eos.getViewFinderData();
      expect(isJpeg(frame)).to.equal(true);
      expect(jpegDimensions(frame)).to.deep.equal({ width: 160, height: 120 });
      const next = await eos.getViewFinderData();
      expect(Buffer.from(next).equals(Buffer.from(frame))).to.equal(false);
      expect((await eos.getEvents()).map((e) => e.kind === 'propValueChanged' && [e.property, e.value])).to.deep.equal([[Dp.EOS_EVFOutputDevice, 2]]);
      await eos.stopLiveView();
      await expectResponseCode(eos.getViewFinderData(), CanonResponseCode.ObjectNotReady);
    });
  });

  it('pollEvents yields what a release queued and ends when its signal aborts', async () => {
    await rig.camera.session(async () => {
      await prepare();
      const controller = new AbortController();
      const seen: EosEvent[] = [];
      const polling = (async () => {
        for await (const e of eos.pollEvents({ intervalMs: 10, signal: controller.signal })) {
          seen.push(e);
          if (e.kind === 'objectAdded' && e.filename.endsWith('.JPG')) controller.abort();
        }
      })();
      await new Promise((r) => setTimeout(r, 30));
      await eos.remoteRelease();
      await polling;
      expect(seen.map((e) => e.kind === 'objectAdded' && e.filename)).to.deep.equal(['DCIM', '100CANON', 'IMG_0001.JPG']);
    });
  });

  it('an operation the 60D does not list answers OperationNotSupported', async () => {
    await rig.camera.session(async () => {
      await expectResponseCode(rig.camera.transaction(Op.EOS_BulbStart), ResponseCode.OperationNotSupported);
      await expectResponseCode(rig.camera.transaction(Op.EOS_InitiateViewfinder), ResponseCode.OperationNotSupported);
    });
  });
});
