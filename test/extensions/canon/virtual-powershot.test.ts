/**
 * Canon PowerShot (the pre-EOS protocol): recognition on the recorded
 * DeviceInfos, the CheckEvent / GetChanges datasets, and the `canon(camera)`
 * PowerShot methods end to end against the `canon-powershot` personality
 * (the recorded PowerShot A520) over the in-process pair and PTP/IP.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Camera } from '../../../src/camera.js';
import { EventCode } from '../../../src/core/codes/events.js';
import { DevicePropCode } from '../../../src/core/codes/properties.js';
import type { DeviceInfo } from '../../../src/core/datasets/device-info.js';
import { ProtocolError } from '../../../src/core/errors.js';
import { canon, type CanonApi } from '../../../src/extensions/canon/api.js';
import { CanonEventCode, CanonOperationCode as Op, CanonResponseCode } from '../../../src/extensions/canon/codes.js';
import { canPowerShotCapture, isCanonEos, isCanonPowerShot } from '../../../src/extensions/canon/index.js';
import {
  decodeChangedProperties, decodeCheckEvent, encodeChangedProperties, encodeCheckEvent,
} from '../../../src/extensions/canon/powershot.js';
import { detectExtension } from '../../../src/extensions/registry.js';
import { jpegDimensions } from '../../../src/responder/jpeg.js';
import realCameras from '../../../src/responder/personalities/real-cameras.json' with { type: 'json' };
import { startVirtualCamera, type RunningVirtualCamera } from '../../../src/responder/start.js';
import { bytes, expectResponseCode, hex } from '../../support/assertions.js';

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

  it('CheckEvent: bad bytes are a ProtocolError, never a crash', () => {
    for (const b of [bytes('0c00'), bytes('20000000 0400 0d40 07000000'), bytes('0c000000 0300 0120 07000000'),
      bytes('1c000000 0400 0d40 07000000 01000000 02000000 03000000 04000000')]) {
      expect(() => decodeCheckEvent(b), hex(b)).to.throw(ProtocolError);
    }
  });

  it('GetChanges: a UINT16 array', () => {
    const wire = bytes('02000000 0550 2cd0');
    expect(decodeChangedProperties(wire)).to.deep.equal([0x5005, 0xd02c]);
    expect(hex(encodeChangedProperties([0x5005, 0xd02c]))).to.equal(hex(wire));
    expect(() => decodeChangedProperties(bytes('05000000 0550'))).to.throw(ProtocolError);
  });
});

const wires: Array<{ name: string; open: (emu: RunningVirtualCamera) => Promise<Camera> }> = [
  { name: 'in-process', open: (emu) => Camera.open({ transport: emu.connect() }) },
  { name: 'PTP/IP', open: (emu) => Camera.open({ transport: emu.url! }) },
];

for (const wire of wires) {
  describe(`Canon PowerShot personality over ${wire.name}`, function () {
    this.timeout(30_000);
    let root: string;
    let emu: RunningVirtualCamera;
    let camera: Camera;
    let ps: CanonApi;

    beforeEach(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'ptpts-powershot-'));
      emu = await startVirtualCamera({ root, personality: 'canon-powershot', ptpip: { port: 0 } });
      camera = await wire.open(emu);
      ps = canon(camera);
    });
    afterEach(async () => {
      await camera.close();
      await emu.close();
      await rm(root, { recursive: true, force: true });
    });

    it('is the recorded A520, detected as canon and as a PowerShot that can capture', () => {
      expect(camera.deviceInfo.model).to.equal('Canon PowerShot A520');
      expect(camera.extension.name).to.equal('canon');
      expect(isCanonPowerShot(camera.deviceInfo)).to.equal(true);
      expect(canPowerShotCapture(camera.deviceInfo)).to.equal(true);
      for (const op of [Op.InitiateReleaseControl, Op.TerminateReleaseControl, Op.InitiateCaptureInMemory, Op.CheckEvent,
        Op.GetChanges, Op.ViewfinderOn, Op.ViewfinderOff, Op.GetViewfinderImage]) {
        expect(camera.supportsOperation(op), op.toString(16)).to.equal(true);
      }
    });

    it('startRemote enters shooting mode (twice is no error); CheckEvent reports it, then the stack is empty', async () => {
      await camera.session(async () => {
        expect(await ps.checkEvent()).to.equal(undefined);
        await ps.startRemote();
        const events = await ps.checkEvents();
        expect(events.map((e) => e.name)).to.deep.equal(['StorageInfoChanged', 'CameraModeChanged']);
        expect(events[0]?.params).to.deep.equal([0x00010001]);
        const again = await camera.transaction(Op.InitiateReleaseControl, [], { accept: [CanonResponseCode.A009] });
        expect(again.code).to.equal(CanonResponseCode.A009); // already in shooting mode...
        await ps.startRemote(); // ...which startRemote takes as success
        expect(await ps.checkEvents()).to.deep.equal([]);
        await ps.endRemote();
        expect((await ps.checkEvents()).map((e) => e.code)).to.deep.equal([EventCode.StorageInfoChanged, CanonEventCode.CameraModeChanged]);
      });
    });

    it('capture writes a JPEG and announces it; CaptureComplete carries the capture\'s transaction', async () => {
      await camera.session(async () => {
        await expectResponseCode(ps.capture(), CanonResponseCode.OperationRefused); // not in shooting mode
        await ps.startRemote();
        await ps.checkEvents();
        const shot = await ps.capture();
        expect(shot.handles).to.have.length(3); // DCIM, 100CANON, the image
        const last = shot.events[shot.events.length - 1];
        expect(last?.name).to.equal('CaptureComplete');
        expect(last?.transactionId).to.equal(shot.transactionId);
        const info = await camera.getObjectInfo(shot.handles[2]!);
        expect(info.filename).to.equal('IMG_0001.JPG');
        const image = await camera.getObject(shot.handles[2]!);
        expect(isJpeg(image)).to.equal(true);
        expect(jpegDimensions(image)).to.deep.equal({ width: 640, height: 480 });
        const second = await ps.capture();
        expect(second.handles).to.have.length(1); // the folders exist now
        expect((await camera.getObjectInfo(second.handles[0]!)).filename).to.equal('IMG_0002.JPG');
      });
    });

    it('GetChanges lists the properties changed since it was last called', async () => {
      await camera.session(async () => {
        expect(await ps.getChanges()).to.deep.equal([]);
        await camera.setDevicePropValue(DevicePropCode.WhiteBalance, 3);
        expect(await ps.getChanges()).to.deep.equal([DevicePropCode.WhiteBalance]);
        expect(await ps.getChanges()).to.deep.equal([]);
      });
    });

    it('viewfinder: refused while off, 320x240 JPEG frames while on', async () => {
      await camera.session(async () => {
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
}
