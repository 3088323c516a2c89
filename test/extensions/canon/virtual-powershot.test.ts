/**
 * Canon PowerShot (the pre-EOS protocol): recognition on the recorded
 * DeviceInfos, the CheckEvent / GetChanges datasets, and the
 * `canon(camera).powerShot` methods end to end against the `canon-powershot`
 * personality (the recorded PowerShot A520) over the in-process pair and PTP/IP.
 */
import { expect } from 'chai';
import { EventCode } from '../../../src/core/codes/events.js';
import { OperationCode } from '../../../src/core/codes/operations.js';
import { DevicePropCode } from '../../../src/core/codes/properties.js';
import type { DeviceInfo } from '../../../src/core/datasets/device-info.js';
import { ProtocolError, TimeoutError } from '../../../src/core/errors.js';
import { canon } from '../../../src/extensions/canon/api.js';
import { CanonDevicePropCode, CanonEventCode, CanonOperationCode as Op, CanonResponseCode } from '../../../src/extensions/canon/codes.js';
import { canPowerShotCapture, isCanonEos, isCanonPowerShot } from '../../../src/extensions/canon/index.js';
import {
  decodeChangedProperties, decodeCheckEvent, encodeChangedProperties, encodeCheckEvent,
} from '../../../src/extensions/canon/powershot.js';
import type { CanonPowerShotApi } from '../../../src/extensions/canon/powershot-api.js';
import { canonPowerShotBehaviour, type CanonPowerShotBehaviour } from '../../../src/extensions/canon/powershot-responder.js';
import { detectExtension } from '../../../src/extensions/registry.js';
import { jpegDimensions } from '../../../src/responder/jpeg.js';
import realCameras from '../../../src/responder/personalities/real-cameras.json' with { type: 'json' };
import { bytes, expectResponseCode, hex, rejectionOf } from '../../support/assertions.js';
import { forEachWire, openOnWire, tempFolder } from '../../support/virtual-wires.js';

interface Recorded {
  readonly source: string;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly vendorExtensionId: number | null;
  readonly vendorExtensionDesc: string | null;
  readonly operationsSupported: number[];
  readonly eventsSupported: number[];
  readonly devicePropertiesSupported: number[];
}

const recorded = realCameras as readonly Recorded[];

function infoOf(r: Recorded): DeviceInfo {
  return {
    standardVersion: 100, vendorExtensionId: r.vendorExtensionId ?? 0, vendorExtensionVersion: 0,
    vendorExtensionDesc: r.vendorExtensionDesc ?? '', functionalMode: 0, operationsSupported: r.operationsSupported,
    eventsSupported: r.eventsSupported, devicePropertiesSupported: r.devicePropertiesSupported, captureFormats: [], playbackFormats: [],
    manufacturer: r.manufacturer ?? '', model: r.model ?? '', deviceVersion: '', serialNumber: '',
  };
}

const isJpeg = (b: Uint8Array): boolean => b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;

describe('Canon PowerShot recognition on the recorded DeviceInfos', () => {
  const canons = recorded.filter((r) => /canon/i.test(r.manufacturer ?? ''));
  const compacts = canons.filter((r) => /powershot|ixus/i.test(r.model ?? ''));

  it('every PowerShot and IXUS is detected as canon', () => {
    expect(compacts.length).to.be.greaterThan(30);
    for (const r of compacts) expect(detectExtension(infoOf(r)).name, r.source).to.equal('canon');
  });

  it('PowerShot-era compacts are told from EOS bodies by the operations they list', () => {
    // Later compacts run EOS firmware (EOS_GetEvent) and count as EOS.
    const eosCompacts = ['canon-powershot-elph-350hs.txt', 'canon-powershot-g7x-mark2.txt', 'canon-powershot-sx530hs.txt', 'canon-powershot-sx720hs.txt'];
    for (const r of compacts) {
      const info = infoOf(r);
      if (eosCompacts.includes(r.source)) {
        expect(isCanonEos(info), r.source).to.equal(true);
        expect(isCanonPowerShot(info), r.source).to.equal(false);
      } else if (r.source === 'canon-powershot-s45.txt') {
        // The S45 lists only standard PTP operations: neither protocol.
        expect(isCanonPowerShot(info) || isCanonEos(info), r.source).to.equal(false);
      } else {
        expect(isCanonPowerShot(info), r.source).to.equal(true);
      }
    }
    for (const r of canons.filter((c) => /\bEOS\b/.test(c.model ?? ''))) {
      expect(isCanonEos(infoOf(r)), r.source).to.equal(true);
      expect(isCanonPowerShot(infoOf(r)), r.source).to.equal(false);
    }
  });

  it('the ones with remote capture list InitiateReleaseControl and InitiateCaptureInMemory', () => {
    const capturing = compacts.filter((r) => canPowerShotCapture(infoOf(r))).map((r) => r.source).sort();
    expect(capturing).to.include.members(['canon-powershot-a520.txt', 'canon-g9.txt', 'canon-s5.txt', 'canon-powershot-sx100is.txt']);
    expect(capturing).to.not.include('canon-powershot-a2200.txt');
  });
});

describe('PowerShot datasets', () => {
  it('CheckEvent: an event container, or nothing for an empty stack', () => {
    const wire = bytes('14000000 0400 0d40 07000000 | 01000000 02000000');
    expect(decodeCheckEvent(wire)).to.deep.equal({ code: 0x400d, transactionId: 7, params: [1, 2] });
    expect(hex(encodeCheckEvent({ code: 0x400d, transactionId: 7, params: [1, 2] }))).to.equal(hex(wire));
    expect(decodeCheckEvent(new Uint8Array(0))).to.equal(undefined);
    expect(encodeCheckEvent(undefined)).to.have.length(0);
    // Bytes after the announced length are ignored, as libgphoto2 does.
    expect(decodeCheckEvent(bytes('0c000000 0400 0cc0 ffffffff 0000'))).to.deep.equal({ code: 0xc00c, transactionId: 0xffffffff, params: [] });
  });

  it('CheckEvent: sloppy containers are read as libgphoto2 reads them', () => {
    // A length that holds no whole parameter: none (libgphoto2 reads one from 16 bytes on).
    expect(decodeCheckEvent(bytes('0e000000 0400 0d40 07000000 0100'))).to.deep.equal({ code: 0x400d, transactionId: 7, params: [] });
    // Another container type: kept, and noted.
    expect(decodeCheckEvent(bytes('10000000 0300 0120 07000000 05000000'))).to.deep.equal({
      code: 0x2001, transactionId: 7, params: [5], containerType: 3,
    });
    // A fourth parameter: ignored.
    expect(decodeCheckEvent(bytes('1c000000 0400 0d40 07000000 01000000 02000000 03000000 04000000'))?.params).to.deep.equal([1, 2, 3]);
  });

  it('CheckEvent: bytes that cannot hold an event are a ProtocolError, never a crash', () => {
    for (const b of [bytes('0c00'), bytes('0c000000 0400 0d40'), bytes('20000000 0400 0d40 07000000')]) {
      expect(() => decodeCheckEvent(b), hex(b)).to.throw(ProtocolError);
    }
    let seed = 0x1234;
    const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let i = 0; i < 2000; i++) {
      const b = Uint8Array.from({ length: 1 + (next() % 32) }, next);
      if (b.length >= 4 && i % 2 === 0) b.set([b.length - (next() % 4), 0, 0, 0], 0);
      try {
        decodeCheckEvent(b);
      } catch (err) {
        expect(err, hex(b)).to.be.instanceOf(ProtocolError);
      }
    }
  });

  it('GetChanges: a UINT16 array', () => {
    const wire = bytes('02000000 0550 2cd0');
    expect(decodeChangedProperties(wire)).to.deep.equal([0x5005, 0xd02c]);
    expect(hex(encodeChangedProperties([0x5005, 0xd02c]))).to.equal(hex(wire));
    expect(() => decodeChangedProperties(bytes('05000000 0550'))).to.throw(ProtocolError);
  });
});

forEachWire('Canon PowerShot personality', (wire) => {
  let ps: CanonPowerShotApi;
  let body: CanonPowerShotBehaviour;
  const rig = openOnWire(wire, {
    folder: () => tempFolder('ptpts-powershot-'),
    start: () => {
      body = canonPowerShotBehaviour(); // new for each test: it holds the body's state
      return { personality: 'canon-powershot', behaviour: body };
    },
  });
  beforeEach(() => {
    ps = canon(rig.camera).powerShot;
  });

  /** Restarts the A520 with `behaviour` options and connects to it again. */
  async function restart(options: Parameters<typeof canonPowerShotBehaviour>[0] = {}): Promise<void> {
    body = canonPowerShotBehaviour(options);
    await rig.restart({ behaviour: body });
    ps = canon(rig.camera).powerShot;
  }

  it('is the recorded A520, detected as canon and as a PowerShot that can capture', () => {
    expect(rig.camera.deviceInfo.model).to.equal('Canon PowerShot A520');
    expect(rig.camera.extension.name).to.equal('canon');
    expect(isCanonPowerShot(rig.camera.deviceInfo)).to.equal(true);
    expect(canPowerShotCapture(rig.camera.deviceInfo)).to.equal(true);
    for (const op of [Op.InitiateReleaseControl, Op.TerminateReleaseControl, Op.InitiateCaptureInMemory, Op.CheckEvent,
      Op.GetChanges, Op.ViewfinderOn, Op.ViewfinderOff, Op.GetViewfinderImage]) {
      expect(rig.camera.supportsOperation(op), op.toString(16)).to.equal(true);
    }
  });

  it('startRemote enters shooting mode (twice is no error); CheckEvent reports it, then the stack is empty', async () => {
    await rig.camera.session(async () => {
      expect(await ps.checkEvent()).to.equal(undefined);
      await ps.startRemote();
      const events = await ps.checkEvents();
      expect(events.map((e) => e.name)).to.deep.equal(['StorageInfoChanged', 'CameraModeChanged']);
      expect(events[0]?.params).to.deep.equal([0x00010001]);
      const again = await rig.camera.transaction(Op.InitiateReleaseControl, [], { accept: [CanonResponseCode.A009] });
      expect(again.code).to.equal(CanonResponseCode.A009); // already in shooting mode...
      await ps.startRemote(); // ...which startRemote takes as success
      expect(await ps.checkEvents()).to.deep.equal([]);
      await ps.endRemote();
      expect((await ps.checkEvents()).map((e) => e.code)).to.deep.equal([EventCode.StorageInfoChanged, CanonEventCode.CameraModeChanged]);
    });
  });

  it('startRemote reads DeviceInfo again: FlashMode is listed (and answered) in shooting mode only', async () => {
    await rig.camera.session(async () => {
      const flash = CanonDevicePropCode.CanonFlashMode;
      expect(rig.camera.deviceInfo.devicePropertiesSupported).to.not.include(flash);
      await ps.startRemote();
      expect(rig.camera.deviceInfo.devicePropertiesSupported).to.include(flash);
      expect(await rig.camera.getDevicePropValue(flash)).to.equal(1);
      await rig.camera.setDevicePropValue(flash, 0);
      expect(await ps.getChanges()).to.include(flash);
      await ps.endRemote();
      expect(rig.camera.deviceInfo.devicePropertiesSupported).to.not.include(flash);
      await expectResponseCode(rig.camera.transaction(OperationCode.GetDevicePropDesc, [flash], { receive: true }), 0x200a);
    });
  });

  it('capture writes a JPEG and announces it; CaptureComplete carries the capture\'s transaction', async () => {
    await rig.camera.session(async () => {
      await expectResponseCode(ps.capture(), CanonResponseCode.OperationRefused); // not in shooting mode
      await ps.startRemote();
      const shot = await ps.capture();
      expect(shot.earlier.map((e) => e.name)).to.deep.equal(['StorageInfoChanged', 'CameraModeChanged']);
      expect(shot.handles).to.have.length(3); // DCIM, 100CANON, the image
      expect(shot.handle).to.equal(shot.handles[2]);
      const last = shot.events[shot.events.length - 1];
      expect(last?.name).to.equal('CaptureComplete');
      expect(last?.transactionId).to.equal(shot.transactionId);
      const info = await rig.camera.getObjectInfo(shot.handle);
      expect(info.filename).to.equal('IMG_0001.JPG');
      const image = await rig.camera.getObject(shot.handle);
      expect(isJpeg(image)).to.equal(true);
      expect(jpegDimensions(image)).to.deep.equal({ width: 640, height: 480 });
      const second = await ps.capture();
      expect(second.handles).to.deep.equal([second.handle]); // the folders exist now
      expect((await rig.camera.getObjectInfo(second.handle)).filename).to.equal('IMG_0002.JPG');
    });
  });

  it('capture waits for the image when CaptureComplete comes first', async () => {
    await restart({ captureCompleteFirst: true });
    await rig.camera.session(async () => {
      await ps.startRemote();
      const shot = await ps.capture();
      expect(shot.events.map((e) => e.name)).to.deep.equal(['CaptureComplete', 'ObjectAdded', 'ObjectAdded', 'ObjectAdded']);
      expect((await rig.camera.getObjectInfo(shot.handle)).filename).to.equal('IMG_0001.JPG');
      const second = await ps.capture();
      expect((await rig.camera.getObjectInfo(second.handle)).filename).to.equal('IMG_0002.JPG');
    });
  });

  for (const captureCompleteFirst of [false, true]) {
    it(`events left on the stack do not end a capture (CaptureComplete ${captureCompleteFirst ? 'first' : 'last'})`, async () => {
      await restart({ captureCompleteFirst });
      await rig.camera.session(async () => {
        await ps.startRemote();
        // A CaptureComplete that names no transaction, and a whole earlier capture nobody collected.
        body.pushEvent({ code: EventCode.CaptureComplete, transactionId: 0xffffffff, params: [] });
        const earlier = await rig.camera.transaction(Op.InitiateCaptureInMemory);
        const shot = await ps.capture();
        expect((await rig.camera.getObjectInfo(shot.handle)).filename).to.equal('IMG_0002.JPG');
        expect(shot.handles).to.deep.equal([shot.handle]);
        expect(shot.earlier.filter((e) => e.code === EventCode.CaptureComplete).map((e) => e.transactionId))
          .to.deep.equal([0xffffffff, earlier.transactionId]);
        expect(shot.events.find((e) => e.code === EventCode.CaptureComplete)?.transactionId).to.equal(shot.transactionId);
      });
    });
  }

  it('capture keeps to its deadline while the stack keeps giving events, and says so when the stack never empties', async () => {
    await rig.camera.session(async () => {
      await ps.startRemote();
      for (let i = 0; i < 3000; i++) body.pushEvent({ code: CanonEventCode.CameraModeChanged, transactionId: 0xffffffff, params: [] });
      const started = Date.now();
      const late = await rejectionOf(ps.capture({ timeoutMs: 20 }));
      expect(late).to.be.instanceOf(TimeoutError);
      expect(Date.now() - started).to.be.below(2000);
      const flood = await rejectionOf(ps.capture({ timeoutMs: 60_000 }));
      expect(flood).to.be.instanceOf(ProtocolError);
      expect((flood as Error).message).to.match(/without emptying the stack/);
    });
  });

  it('GetChanges lists the properties changed since it was last called', async () => {
    await rig.camera.session(async () => {
      expect(await ps.getChanges()).to.deep.equal([]);
      await rig.camera.setDevicePropValue(DevicePropCode.WhiteBalance, 3);
      expect(await ps.getChanges()).to.deep.equal([DevicePropCode.WhiteBalance]);
      expect(await ps.getChanges()).to.deep.equal([]);
    });
  });

  it('viewfinder: refused while off, 320x240 JPEG frames while on', async () => {
    await rig.camera.session(async () => {
      await expectResponseCode(ps.getViewfinderImage(), CanonResponseCode.ObjectNotReady);
      await ps.startRemote();
      await ps.viewfinderOn();
      const frame = await ps.getViewfinderImage();
      expect(isJpeg(frame)).to.equal(true);
      expect(jpegDimensions(frame)).to.deep.equal({ width: 320, height: 240 });
      await ps.viewfinderOff();
      await expectResponseCode(ps.getViewfinderImage(), CanonResponseCode.ObjectNotReady);
    });
  });
});
