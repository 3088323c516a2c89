/**
 * The MTP API against the virtual camera's `mtp` personality, end to end over
 * the in-process pair and over PTP/IP on loopback.
 */
import { expect } from 'chai';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Camera } from '../../../src/camera.js';
import { ObjectFormatCode } from '../../../src/core/codes/formats.js';
import { ResponseCode } from '../../../src/core/codes/responses.js';
import { DataType } from '../../../src/core/codec/datatypes.js';
import type { ObjectInfo } from '../../../src/core/datasets/object-info.js';
import { mtp, MtpObjectPropCode as P, MtpOperationCode as Op, MtpResponseCode as Rc } from '../../../src/extensions/mtp/index.js';
import { supportedObjectProps } from '../../../src/extensions/mtp/responder.js';
import { sampleJpeg } from '../../../src/responder/jpeg.js';
import { startVirtualCamera } from '../../../src/responder/start.js';
import { expectResponseCode } from '../../support/assertions.js';
import { forEachWire, openOnWire } from '../../support/virtual-wires.js';

const ALL = 0xffffffff;


const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

async function makeCard(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'ptpts-mtp-'));
  await mkdir(path.join(root, 'DCIM', '100PTPTS'), { recursive: true });
  await writeFile(path.join(root, 'DCIM', '100PTPTS', 'IMG_0001.JPG'), sampleJpeg(64, 48, 1));
  await writeFile(path.join(root, 'DCIM', '100PTPTS', 'IMG_0002.JPG'), sampleJpeg(32, 24, 2));
  await mkdir(path.join(root, 'Music'));
  await writeFile(path.join(root, 'Music', 'song.mp3'), new Uint8Array(1000).fill(7));
  await writeFile(path.join(root, 'notes.txt'), 'hello');
  return root;
}

forEachWire('MTP personality', (wire) => {
  const log: string[] = [];
  beforeEach(() => {
    log.length = 0;
  });
  const rig = openOnWire(wire, { folder: makeCard, start: { personality: 'mtp', log: (line) => log.push(line) } });

  /** Handle of the object at `rel` (e.g. 'DCIM/100PTPTS/IMG_0001.JPG'), found with the plain PTP calls. */
  async function handleOf(rel: string): Promise<number> {
    let parent: number | 'root' = 'root';
    let handle = 0;
    for (const part of rel.split('/')) {
      const handles: number[] = await rig.camera.getObjectHandles(ALL, { parent });
      const infos = await Promise.all(handles.map(async (h) => ({ h, info: await rig.camera.getObjectInfo(h) })));
      const found = infos.find((x) => x.info.filename === part);
      if (found === undefined) throw new Error(`no ${rel}`);
      handle = found.h;
      parent = handle;
    }
    return handle;
  }

  it('presents an MTP DeviceInfo listing the implemented MTP operations, and is detected as mtp', () => {
    const info = rig.camera.deviceInfo;
    expect(info.vendorExtensionId).to.equal(6);
    expect(info.vendorExtensionDesc).to.contain('microsoft.com: 1.0');
    expect(info.model).to.equal('Virtual MTP Player');
    for (const op of [
      Op.GetObjectPropsSupported, Op.GetObjectPropDesc, Op.GetObjectPropValue, Op.SetObjectPropValue,
      Op.GetObjectPropList, Op.SendObjectPropList, Op.GetObjectReferences, Op.SetObjectReferences,
    ]) expect(info.operationsSupported, op.toString(16)).to.include(op);
    expect(info.operationsSupported).not.to.include(Op.SetObjectPropList);
    expect(rig.camera.extension.name).to.equal('mtp');
    expect(rig.camera.codeNames.name('operation', 0x9805)).to.equal('GetObjectPropList');
  });

  it('GetObjectPropsSupported: per format; an unknown format is refused', async () => {
    await rig.camera.session(async () => {
      const device = mtp(rig.camera);
      const jpeg = await device.getObjectPropsSupported(ObjectFormatCode.ExifJpeg);
      expect(jpeg).to.include.members([P.ObjectFileName, P.ObjectSize, P.ParentObject, P.DateModified, P.Width, P.Height]);
      const folder = await device.getObjectPropsSupported(ObjectFormatCode.Association);
      expect(folder).to.include(P.AssociationType).and.not.include(P.Width);
      await expectResponseCode(device.getObjectPropsSupported(0x3999), ResponseCode.InvalidObjectFormatCode);
    });
  });

  it('GetObjectPropDesc: datatypes, get/set and forms', async () => {
    await rig.camera.session(async () => {
      const device = mtp(rig.camera);
      const jpeg = ObjectFormatCode.ExifJpeg;
      const name = await device.getObjectPropDesc(P.ObjectFileName, jpeg);
      expect(name).to.include({ propertyCode: P.ObjectFileName, dataType: DataType.STR, getSet: 1 });
      const size = await device.getObjectPropDesc(P.ObjectSize, jpeg);
      expect(size).to.include({ dataType: DataType.UINT64, getSet: 0, factoryDefaultValue: 0n });
      expect((await device.getObjectPropDesc(P.DateModified, jpeg)).form).to.deep.equal({ kind: 'dateTime' });
      expect((await device.getObjectPropDesc(P.ProtectionStatus, jpeg)).form).to.deep.equal({ kind: 'enum', values: [0, 1] });
      expect((await device.getObjectPropDesc(P.Width, jpeg)).form).to.deep.equal({ kind: 'range', min: 0, max: 65535, step: 1 });
      expect((await device.getObjectPropDesc(P.PersistentUniqueObjectIdentifier, jpeg)).dataType).to.equal(DataType.UINT128);
      await expectResponseCode(device.getObjectPropDesc(P.Width, ObjectFormatCode.Text), Rc.Invalid_ObjectPropCode);
    });
  });

  it('GetObjectPropValue agrees with GetObjectInfo (name, size, parent, dates, dimensions)', async () => {
    await rig.camera.session(async () => {
      const device = mtp(rig.camera);
      const handle = await handleOf('DCIM/100PTPTS/IMG_0001.JPG');
      const info = await rig.camera.getObjectInfo(handle);
      expect(await device.getObjectPropValue(handle, P.ObjectFileName)).to.equal('IMG_0001.JPG');
      expect(await device.getObjectPropValue(handle, P.ObjectSize)).to.equal(BigInt(info.objectCompressedSize));
      expect(await device.getObjectPropValue(handle, P.ParentObject)).to.equal(info.parentObject);
      expect(await device.getObjectPropValue(handle, P.StorageID)).to.equal(info.storageId);
      expect(await device.getObjectPropValue(handle, P.ObjectFormat)).to.equal(ObjectFormatCode.ExifJpeg);
      expect(await device.getObjectPropValue(handle, P.DateModified)).to.equal(info.modificationDate);
      expect(await device.getObjectPropValue(handle, P.DateCreated)).to.equal(info.captureDate);
      expect(await device.getObjectPropValue(handle, P.Width)).to.equal(64);
      expect(await device.getObjectPropValue(handle, P.Height)).to.equal(48);
      expect(await device.getObjectPropValue(handle, P.Name)).to.equal('IMG_0001');
      expect(await device.getObjectPropValue(handle, P.PersistentUniqueObjectIdentifier)).to.be.a('bigint');
      await expectResponseCode(device.getObjectPropValue(handle, P.AlbumName), Rc.Invalid_ObjectPropCode);
      await expectResponseCode(device.getObjectPropValue(0x7777, P.ObjectFileName), ResponseCode.InvalidObjectHandle);
    });
  });

  it('SetObjectPropValue(ObjectFileName) renames on disk, keeps the handle, refuses escapes and read-only props', async () => {
    await rig.camera.session(async () => {
      const device = mtp(rig.camera);
      const handle = await handleOf('notes.txt');
      await device.setObjectPropValue(handle, P.ObjectFileName, 'renamed.txt');
      expect(await exists(path.join(rig.root, 'renamed.txt'))).to.equal(true);
      expect(await exists(path.join(rig.root, 'notes.txt'))).to.equal(false);
      expect(await readFile(path.join(rig.root, 'renamed.txt'), 'utf8')).to.equal('hello');
      expect((await rig.camera.getObjectInfo(handle)).filename).to.equal('renamed.txt');
      for (const bad of ['../x', '..', 'a/b', '']) {
        await expectResponseCode(device.setObjectPropValue(handle, P.ObjectFileName, bad), Rc.Invalid_ObjectProp_Value);
      }
      await expectResponseCode(device.setObjectPropValue(handle, P.ObjectFileName, 'Music'), Rc.Invalid_ObjectProp_Value);
      await expectResponseCode(device.setObjectPropValue(handle, P.ObjectSize, 1n), ResponseCode.AccessDenied);
      expect(await exists(path.join(rig.root, 'renamed.txt'))).to.equal(true);
      expect(await exists(path.join(path.dirname(rig.root), 'x'))).to.equal(false);
    });
  });

  it('GetObjectPropList of everything is every object x its props, equal to what GetObjectInfo gives', async () => {
    await rig.camera.session(async () => {
      const device = mtp(rig.camera);
      const handles = await rig.camera.getObjectHandles();
      const list = await device.getObjectPropList(ALL, { depth: ALL });
      const byHandle = new Map<number, Map<number, unknown>>();
      for (const e of list) {
        if (!byHandle.has(e.objectHandle)) byHandle.set(e.objectHandle, new Map());
        byHandle.get(e.objectHandle)!.set(e.propertyCode, e.value);
      }
      expect([...byHandle.keys()].sort()).to.deep.equal([...handles].sort());
      for (const handle of handles) {
        const info: ObjectInfo = await rig.camera.getObjectInfo(handle);
        const props = byHandle.get(handle)!;
        expect([...props.keys()]).to.deep.equal([...supportedObjectProps(info.objectFormat)]);
        expect(props.get(P.ObjectFileName)).to.equal(info.filename);
        expect(props.get(P.ObjectSize)).to.equal(BigInt(info.objectCompressedSize));
        expect(props.get(P.ObjectFormat)).to.equal(info.objectFormat);
        expect(props.get(P.ParentObject)).to.equal(info.parentObject);
        expect(props.get(P.StorageID)).to.equal(info.storageId);
        expect(props.get(P.ProtectionStatus)).to.equal(info.protectionStatus);
        expect(props.get(P.DateCreated)).to.equal(info.captureDate);
        expect(props.get(P.DateModified)).to.equal(info.modificationDate);
        if (info.objectFormat === ObjectFormatCode.ExifJpeg) {
          expect(props.get(P.Width)).to.equal(info.imagePixWidth);
          expect(props.get(P.Height)).to.equal(info.imagePixHeight);
        }
        if (info.objectFormat === ObjectFormatCode.Association) expect(props.get(P.AssociationType)).to.equal(info.associationType);
      }
    });
  });

  it('GetObjectPropList depth, format, single property, and its errors', async () => {
    await rig.camera.session(async () => {
      const device = mtp(rig.camera);
      const dcim = await handleOf('DCIM');
      const folder = await handleOf('DCIM/100PTPTS');
      const handlesIn = (list: Array<{ objectHandle: number }>): number[] => [...new Set(list.map((e) => e.objectHandle))];
      // Depth 0: the object itself.
      expect(handlesIn(await device.getObjectPropList(folder))).to.deep.equal([folder]);
      // Depth 1: its children; 0xFFFFFFFF: everything below.
      const children = await rig.camera.getObjectHandles(ALL, { parent: folder });
      expect(handlesIn(await device.getObjectPropList(folder, { depth: 1 }))).to.deep.equal(children);
      expect(handlesIn(await device.getObjectPropList(dcim, { depth: ALL }))).to.deep.equal([folder, ...children]);
      // Handle 0: the root level.
      const rootLevel = await rig.camera.getObjectHandles(ALL, { parent: 'root' });
      expect(handlesIn(await device.getObjectPropList(0, { depth: 1 }))).to.deep.equal(rootLevel);
      // One property, one format.
      const names = await device.getObjectPropList(ALL, { depth: ALL, prop: P.ObjectFileName, format: ObjectFormatCode.ExifJpeg });
      expect(names.map((e) => e.value)).to.deep.equal(['IMG_0001.JPG', 'IMG_0002.JPG']);
      expect(names.every((e) => e.propertyCode === P.ObjectFileName && e.dataType === DataType.STR)).to.equal(true);
      // Errors.
      await expectResponseCode(device.getObjectPropList(folder, { depth: 2 }), Rc.Specification_By_Depth_Unsupported);
      await expectResponseCode(device.getObjectPropList(folder, { prop: 0, group: 1 }), Rc.Specification_By_Group_Unsupported);
      await expectResponseCode(device.getObjectPropList(folder, { prop: 0xdcff }), Rc.Invalid_ObjectPropCode);
      await expectResponseCode(device.getObjectPropList(folder, { prop: P.AlbumName }), Rc.ObjectProp_Not_Supported);
      await expectResponseCode(device.getObjectPropList(0x7777), ResponseCode.InvalidObjectHandle);
    });
  });

  it('Set/GetObjectReferences round trip; unknown references are refused', async () => {
    await rig.camera.session(async () => {
      const device = mtp(rig.camera);
      const song = await handleOf('Music/song.mp3');
      const notes = await handleOf('notes.txt');
      const image = await handleOf('DCIM/100PTPTS/IMG_0001.JPG');
      expect(await device.getObjectReferences(notes)).to.deep.equal([]);
      await device.setObjectReferences(notes, [song, image]);
      expect(await device.getObjectReferences(notes)).to.deep.equal([song, image]);
      await expectResponseCode(device.setObjectReferences(notes, [0x7777]), Rc.Invalid_ObjectReference);
      expect(await device.getObjectReferences(notes)).to.deep.equal([song, image]);
    });
  });

  it('SendObjectPropList then SendObject creates the file', async () => {
    await rig.camera.session(async () => {
      const device = mtp(rig.camera);
      const music = await handleOf('Music');
      const [storageId] = await rig.camera.getStorageIds();
      const data = new TextEncoder().encode('new track data');
      const handle = await device.sendObjectPropList(storageId!, music, ObjectFormatCode.MP3, data.length, [
        { propertyCode: P.ObjectFileName, value: 'track.mp3' },
      ]);
      await rig.camera.sendObject(data);
      expect(await readFile(path.join(rig.root, 'Music', 'track.mp3'), 'utf8')).to.equal('new track data');
      expect(await device.getObjectPropValue(handle, P.ObjectFileName)).to.equal('track.mp3');
      expect(await device.getObjectPropValue(handle, P.ParentObject)).to.equal(music);
      expect(await device.getObjectPropValue(handle, P.ObjectSize)).to.equal(BigInt(data.length));
      await expectResponseCode(
        device.sendObjectPropList(storageId!, music, ObjectFormatCode.MP3, 1, [{ propertyCode: P.Width, value: 1 }]),
        Rc.ObjectProp_Not_Supported,
      );
    });
  });

  it('listObjects uses GetObjectPropList (one transaction, no GetObjectInfo) and equals the ObjectInfo listing', async () => {
    await rig.camera.session(async () => {
      const device = mtp(rig.camera);
      log.length = 0;
      const fast = await device.listObjects();
      const propListCalls = log.filter((l) => /^0x9805 GetObjectPropList\(/.test(l));
      expect(propListCalls).to.have.length(1);
      expect(log.filter((l) => /^0x1008 GetObjectInfo\(/.test(l))).to.have.length(0);
      const slow = await device.listObjects(ALL, { via: 'objectInfo' });
      expect(fast).to.deep.equal(slow);
      expect(fast.map((o) => o.filename)).to.include.members(['DCIM', '100PTPTS', 'IMG_0001.JPG', 'song.mp3', 'notes.txt']);
      const [storageId] = await rig.camera.getStorageIds();
      expect(await device.listObjects(storageId)).to.deep.equal(fast);
      expect(await device.listObjects(0x00990001)).to.deep.equal([]);
    });
  });
});

describe('MTP listObjects falls back to GetObjectInfo', function () {
  this.timeout(30_000);

  it('on a device without GetObjectPropList (the plain ptp personality) it gives the same listing', async () => {
    const root = await makeCard();
    const log: string[] = [];
    const mtpEmu = await startVirtualCamera({ root, personality: 'mtp' });
    const ptpEmu = await startVirtualCamera({ root, personality: 'ptp', log: (l) => log.push(l) });
    const mtpCamera = await Camera.open({ transport: mtpEmu.connect() });
    const ptpCamera = await Camera.open({ transport: ptpEmu.connect() });
    try {
      expect(ptpCamera.supportsOperation(Op.GetObjectPropList)).to.equal(false);
      const viaPropList = await mtpCamera.session(() => mtp(mtpCamera).listObjects());
      log.length = 0;
      const viaInfo = await ptpCamera.session(() => mtp(ptpCamera).listObjects());
      expect(log.filter((l) => l.includes('GetObjectPropList'))).to.have.length(0);
      expect(log.filter((l) => /^0x1008 GetObjectInfo\(/.test(l))).to.have.length(viaInfo.length);
      // Two responders number their objects the same way (same folder, same scan order).
      expect(viaInfo).to.deep.equal(viaPropList);
    } finally {
      await mtpCamera.close();
      await ptpCamera.close();
      await mtpEmu.close();
      await ptpEmu.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('when the device refuses GetObjectPropList, auto mode falls back', async () => {
    const root = await makeCard();
    const emu = await startVirtualCamera({ root, personality: 'mtp' });
    const camera = await Camera.open({ transport: emu.connect() });
    try {
      await camera.session(async () => {
        const expected = await mtp(camera).listObjects(ALL, { via: 'objectInfo' });
        emu.device.faults.busy = 1; // the GetObjectPropList gets DeviceBusy
        expect(await mtp(camera).listObjects()).to.deep.equal(expected);
      });
    } finally {
      await camera.close();
      await emu.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('MTP listing 2,000 objects', function () {
  this.timeout(120_000);

  it('GetObjectPropList takes 1 transaction where ObjectInfo takes 2,001, and is not slower (PTP/IP)', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'ptpts-mtp-many-'));
    for (let i = 0; i < 2000; i++) await writeFile(path.join(root, `file${String(i).padStart(4, '0')}.txt`), String(i));
    const log: string[] = [];
    const emu = await startVirtualCamera({ root, personality: 'mtp', ptpip: { port: 0 }, log: (l) => log.push(l) });
    const camera = await Camera.open({ transport: emu.url! });
    try {
      await camera.session(async () => {
        const device = mtp(camera);
        const transactions = (): number => log.filter((l) => / tid \d+ -> /.test(l)).length;
        let before = transactions();
        let t0 = performance.now();
        const fast = await device.listObjects(ALL, { via: 'propList' });
        const fastMs = performance.now() - t0;
        const fastTransactions = transactions() - before;
        before = transactions();
        t0 = performance.now();
        const slow = await device.listObjects(ALL, { via: 'objectInfo' });
        const slowMs = performance.now() - t0;
        const slowTransactions = transactions() - before;
        expect(fast).to.have.length(2000);
        expect(fast).to.deep.equal(slow);
        expect(fastTransactions).to.equal(1);
        expect(slowTransactions).to.equal(2001);
        // Generous: the real win is the transaction count; this only catches a gross regression.
        expect(fastMs, `propList ${fastMs.toFixed(0)} ms vs objectInfo ${slowMs.toFixed(0)} ms`).to.be.lessThan(slowMs * 1.5 + 100);
      });
    } finally {
      await camera.close();
      await emu.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
