import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { expect } from 'chai';
import { Camera, type CameraEvent } from '../src/camera.js';
import { DataType } from '../src/core/codec/datatypes.js';
import { EventCode } from '../src/core/codes/events.js';
import { AssociationType, ObjectFormatCode } from '../src/core/codes/formats.js';
import { OperationCode } from '../src/core/codes/operations.js';
import { DevicePropCode } from '../src/core/codes/properties.js';
import { ResponseCode } from '../src/core/codes/responses.js';
import { decodeDeviceInfo } from '../src/core/datasets/device-info.js';
import { decodeObjectHandles, decodeStorageIds } from '../src/core/datasets/id-arrays.js';
import { decodeObjectInfo, type ObjectInfo } from '../src/core/datasets/object-info.js';
import { DeviceBusyError, PtpResponseError, TimeoutError, TransportError } from '../src/core/errors.js';
import type { Extension } from '../src/extensions/extension.js';
import { sampleJpeg, withExifThumbnail } from '../src/responder/jpeg.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../src/responder/start.js';
import { rejectionOf } from './support/assertions.js';

const MiB = 1024 * 1024;

/** Whether this machine can listen on ::1 (some containers have no IPv6). */
const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once('error', () => resolve(false));
  probe.listen(0, '::1', () => probe.close(() => resolve(true)));
});
const STORAGE = 0x00010001;

interface Fixture {
  /** Parent of the served folder, to check nothing lands beside it. */
  readonly base: string;
  /** The served folder. */
  readonly root: string;
  readonly big: Buffer;
  readonly text: string;
  readonly inner: string;
  readonly vcam: RunningVirtualCamera;
  readonly camera: Camera;
  /** One line per transaction the virtual camera handled. */
  readonly log: string[];
}

const cleanups: Array<() => Promise<void>> = [];

/** The links every test runs over: the same behaviour is expected from each. */
interface Link {
  readonly name: string;
  /** PTP/IP listen address, or undefined for the in-process pair. */
  readonly ptpipHost?: string;
}
const LINKS: readonly Link[] = [
  { name: 'the in-process pair' },
  { name: 'PTP/IP over IPv4', ptpipHost: '127.0.0.1' },
  { name: 'PTP/IP over IPv6', ptpipHost: '::1' },
];
let link: Link = LINKS[0]!;

/** A served folder with a 6 MiB random file (more than one 4 MiB file read), a text file and a subfolder holding a file. */
async function setup(options: { readOnly?: boolean; openCaptureIntervalMs?: number } = {}): Promise<Fixture> {
  const base = await mkdtemp(path.join(tmpdir(), 'ptpts-camera-test-'));
  cleanups.push(() => rm(base, { recursive: true, force: true }));
  const root = path.join(base, 'card');
  await mkdir(path.join(root, 'sub'), { recursive: true });
  const big = randomBytes(6 * MiB);
  const text = 'Hello from the virtual camera.\n';
  const inner = 'inner file\n';
  await writeFile(path.join(root, 'big.bin'), big);
  await writeFile(path.join(root, 'notes.txt'), text);
  await writeFile(path.join(root, 'sub', 'inner.txt'), inner);
  const log: string[] = [];
  const vcam = await startVirtualCamera({
    root,
    readOnly: options.readOnly ?? false,
    log: (line) => log.push(line),
    openCaptureIntervalMs: options.openCaptureIntervalMs ?? 60_000,
    ...(link.ptpipHost !== undefined ? { ptpip: { host: link.ptpipHost, port: 0 } } : {}),
  });
  cleanups.push(() => vcam.close());
  const camera = await Camera.open({ transport: vcam.url ?? vcam.connect(), timeoutMs: 10_000 });
  cleanups.push(() => camera.close());
  return { base, root, big, text, inner, vcam, camera, log };
}

/** Asserts `p` rejects with a PtpResponseError naming `responseName`. */
async function expectResponse(p: Promise<unknown>, responseName: string): Promise<PtpResponseError> {
  const err = await rejectionOf(p);
  expect(err).to.be.instanceOf(PtpResponseError);
  expect((err as PtpResponseError).responseName).to.equal(responseName);
  return err as PtpResponseError;
}

/** Rejects after `ms`: a guard so a missing event fails the test instead of hanging it. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

function nextEvent(camera: Camera<boolean>, match: (e: CameraEvent) => boolean): Promise<CameraEvent> {
  return within(
    new Promise<CameraEvent>((resolve) => {
      const on = (e: CameraEvent): void => {
        if (!match(e)) return;
        camera.off('event', on);
        resolve(e);
      };
      camera.on('event', on);
    }),
    5000,
    'the event',
  );
}

/** Handles of the whole storage by file name. */
async function handlesByName(camera: Camera): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const h of await camera.getObjectHandles(STORAGE)) out.set((await camera.getObjectInfo(h)).filename, h);
  return out;
}

async function handleOf(camera: Camera, name: string): Promise<number> {
  const h = (await handlesByName(camera)).get(name);
  if (h === undefined) expect.fail(`no object called ${name}`);
  return h;
}

function objectInfo(filename: string, size: number, objectFormat: number = ObjectFormatCode.Text): ObjectInfo {
  return {
    storageId: 0, objectFormat, protectionStatus: 0, objectCompressedSize: size,
    thumbFormat: 0, thumbCompressedSize: 0, thumbPixWidth: 0, thumbPixHeight: 0,
    imagePixWidth: 0, imagePixHeight: 0, imageBitDepth: 0, parentObject: 0,
    associationType: 0, associationDesc: 0, sequenceNumber: 0,
    filename, captureDate: '', modificationDate: '', keywords: '',
  };
}

const countLines = (log: readonly string[], op: string): number => log.filter((l) => l.includes(` ${op}(`)).length;

for (const l of LINKS) describe(`Camera against the virtual camera, over ${l.name}`, function () {
  this.timeout(20_000);
  before(function () {
    if (l.ptpipHost === '::1' && !hasIpv6Loopback) this.skip();
    link = l;
  });
  /** Tests that hold two connections at once: the PTP/IP server takes one initiator at a time. */
  const itTwoConnections = l.ptpipHost === undefined ? it : (): void => undefined;

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  describe('opening', () => {
    it('reads DeviceInfo and picks the ptp extension', async () => {
      const { camera, log } = await setup();
      expect(camera.deviceInfo.manufacturer).to.equal('ptpts');
      expect(camera.deviceInfo.model).to.equal('Virtual Camera');
      expect(camera.deviceInfo.operationsSupported).to.include(OperationCode.GetObject);
      expect(camera.supportsOperation(OperationCode.InitiateCapture)).to.equal(true);
      expect(camera.supportsOperation(0x9999)).to.equal(false);
      expect(camera.extension.name).to.equal('ptp');
      expect(camera.raw).to.equal(false);
      expect(countLines(log, 'GetDeviceInfo')).to.equal(1);
      expect(camera.engine.inSession).to.equal(false);
    });

    itTwoConnections('rejects an unknown extension name, listing the known ones, and closes the transport', async () => {
      const { vcam } = await setup();
      const transport = vcam.connect();
      const err = await rejectionOf(Camera.open({ transport, extension: 'nope' }));
      expect((err as Error).message).to.contain('"nope"').and.to.match(/known: .*\bptp\b/);
      expect(err).to.be.instanceOf(RangeError); // a usage mistake, not a link failure
      expect(transport.isOpen).to.equal(false);
    });

    itTwoConnections('uses an imposed extension object, whose vendor codes name events', async () => {
      const { vcam, camera: plain } = await setup();
      const ext: Extension = { name: 'test-vendor', codes: { event: { TestShutterReleased: 0xc123 } }, match: () => 0 };
      const camera = await Camera.open({ transport: vcam.connect(), extension: ext });
      cleanups.push(() => camera.close());
      expect(camera.extension).to.equal(ext);
      expect(camera.codeNames.name('event', 0xc123)).to.equal('TestShutterReleased');

      await camera.openSession();
      await plain.openSession();
      const named = nextEvent(camera, (e) => e.code === 0xc123);
      const unnamed = nextEvent(plain, (e) => e.code === 0xc123);
      vcam.emit({ code: 0xc123, params: [9] });
      const e = await named;
      expect(e.name).to.equal('TestShutterReleased');
      expect(e.params).to.deep.equal([9]);
      expect((await unnamed).name).to.equal(undefined); // the plain camera does not know the vendor code
    });
  });

  describe('sessions', () => {
    it('nested session() calls send one OpenSession and one CloseSession', async () => {
      const { camera, log } = await setup();
      const ids: number[] = [];
      await camera.session(async () => {
        ids.push(camera.engine.sessionId);
        await camera.session(async () => {
          ids.push(camera.engine.sessionId);
          await camera.getStorageIds();
        });
        expect(camera.engine.inSession).to.equal(true); // still open for the outer call
        await camera.getStorageIds();
      });
      expect(camera.engine.inSession).to.equal(false);
      expect(ids[0]).to.be.greaterThan(0);
      expect(ids[1]).to.equal(ids[0]);
      expect(countLines(log, 'OpenSession')).to.equal(1);
      expect(countLines(log, 'CloseSession')).to.equal(1);
      expect(countLines(log, 'GetStorageIDs')).to.equal(2);
      expect(log.some((l) => l.includes('SessionNotOpen'))).to.equal(false);
    });

    it('concurrent session() calls share one session', async () => {
      const { camera, log } = await setup();
      let entered = 0;
      let bothIn!: () => void;
      const barrier = new Promise<void>((r) => (bothIn = r));
      const body = async (): Promise<number> => {
        if (++entered === 2) bothIn();
        await within(barrier, 5000, 'both sessions overlapping');
        await camera.getStorageIds();
        return camera.engine.sessionId;
      };
      const [a, b] = await Promise.all([camera.session(body), camera.session(body)]);
      expect(a).to.equal(b);
      expect(countLines(log, 'OpenSession')).to.equal(1);
      expect(countLines(log, 'CloseSession')).to.equal(1);
      expect(camera.engine.inSession).to.equal(false);
    });

    it('`await using` an openSession() handle closes the session at the end of the scope', async () => {
      const { camera, log } = await setup();
      {
        await using s = await camera.openSession();
        expect(s.id).to.be.greaterThan(0);
        expect(camera.engine.inSession).to.equal(true);
        await camera.getStorageIds();
        expect(countLines(log, 'CloseSession')).to.equal(0);
      }
      expect(camera.engine.inSession).to.equal(false);
      expect(countLines(log, 'CloseSession')).to.equal(1);
    });

    it('operations outside a session are refused with SessionNotOpen', async () => {
      const { camera } = await setup();
      const err = await expectResponse(camera.getStorageIds(), 'SessionNotOpen');
      expect(err.responseCode).to.equal(ResponseCode.SessionNotOpen);
      expect(err.operationName).to.equal('GetStorageIDs');
      expect(err.transactionId).to.equal(0);
    });
  });

  describe('storage and objects', () => {
    it('lists the storage and its info', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        expect(await camera.getStorageIds()).to.deep.equal([STORAGE]);
        const info = await camera.getStorageInfo(STORAGE);
        expect(info.storageDescription).to.equal('Virtual storage 1');
        expect(info.volumeLabel).to.equal('card');
        expect(info.accessCapability).to.equal(0); // read-write
        expect(info.maxCapacity > 0n).to.equal(true);
        await expectResponse(camera.getStorageInfo(0x00990001), 'InvalidStorageID');
      });
    });

    it('getObjectHandles: the root level with parent "root", everything without a parent', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        const all = await camera.getObjectHandles(STORAGE);
        const rootLevel = await camera.getObjectHandles(STORAGE, { parent: 'root' });
        const nameOf = async (h: number): Promise<string> => (await camera.getObjectInfo(h)).filename;
        const allNames = await Promise.all(all.map(nameOf));
        const rootNames = await Promise.all(rootLevel.map(nameOf));
        expect([...allNames].sort()).to.deep.equal(['big.bin', 'inner.txt', 'notes.txt', 'sub']);
        expect([...rootNames].sort()).to.deep.equal(['big.bin', 'notes.txt', 'sub']);
        const sub = rootLevel[rootNames.indexOf('sub')]!;
        const inSub = await camera.getObjectHandles(STORAGE, { parent: sub });
        expect(await Promise.all(inSub.map(nameOf))).to.deep.equal(['inner.txt']);
        expect(await camera.getNumObjects(STORAGE)).to.equal(4);
        expect(await camera.getNumObjects(STORAGE, { parent: 'root' })).to.equal(3);
        expect(await camera.getObjectHandles(STORAGE, { format: ObjectFormatCode.Text })).to.have.length(2);
      });
    });

    it('getObjectInfo describes files and folders', async () => {
      const { camera, big } = await setup();
      await camera.session(async () => {
        const h = await handlesByName(camera);
        const bigInfo = await camera.getObjectInfo(h.get('big.bin')!);
        expect(bigInfo.filename).to.equal('big.bin');
        expect(bigInfo.objectCompressedSize).to.equal(big.length);
        expect(bigInfo.parentObject).to.equal(0);
        expect(bigInfo.storageId).to.equal(STORAGE);
        expect(bigInfo.objectFormat).to.equal(ObjectFormatCode.Undefined);
        expect((await camera.getObjectInfo(h.get('notes.txt')!)).objectFormat).to.equal(ObjectFormatCode.Text);
        const sub = await camera.getObjectInfo(h.get('sub')!);
        expect(sub.objectFormat).to.equal(ObjectFormatCode.Association);
        expect(sub.associationType).to.equal(AssociationType.GenericFolder);
        expect(sub.objectCompressedSize).to.equal(0);
        const inner = await camera.getObjectInfo(h.get('inner.txt')!);
        expect(inner.parentObject).to.equal(h.get('sub'));
        await expectResponse(camera.getObjectInfo(0x7fff_0000), 'InvalidObjectHandle');
      });
    });

    it('getObject into memory is byte-identical to the file', async () => {
      const { camera, big, text } = await setup();
      await camera.session(async () => {
        const h = await handlesByName(camera);
        const bytes = await camera.getObject(h.get('big.bin')!);
        expect(bytes).to.be.instanceOf(Uint8Array);
        expect(Buffer.from(bytes).equals(big)).to.equal(true);
        expect(Buffer.from(await camera.getObject(h.get('notes.txt')!)).toString()).to.equal(text);
      });
    });

    it('getObject into a Node WriteStream writes an identical file, resolves with the byte count and reports progress', async () => {
      const { camera, big, base } = await setup();
      const dest = path.join(base, 'download.bin');
      await camera.session(async () => {
        const handle = await handleOf(camera, 'big.bin');
        const out = createWriteStream(dest);
        const progress: Array<[bigint, bigint | undefined]> = [];
        const n = await camera.getObject(handle, { to: out, onProgress: (d, t) => progress.push([d, t]) });
        out.end();
        await finished(out);
        expect(n).to.equal(BigInt(big.length));
        expect(progress.length).to.be.greaterThan(1); // 6 MiB arrives in several chunks
        for (let i = 1; i < progress.length; i++) expect(progress[i]![0] > progress[i - 1]![0]).to.equal(true);
        expect(progress.at(-1)).to.deep.equal([BigInt(big.length), BigInt(big.length)]);
      });
      expect((await readFile(dest)).equals(big)).to.equal(true);
    });

    it('getObject into a slow Node writable honours backpressure (does not buffer the whole object)', async () => {
      const { camera, big } = await setup();
      const received: Buffer[] = [];
      let maxBuffered = 0;
      const slow = new Writable({
        highWaterMark: 64 * 1024,
        write(chunk: Buffer, _enc, done) {
          received.push(chunk);
          setTimeout(done, 5);
        },
      });
      await camera.session(async () => {
        const handle = await handleOf(camera, 'big.bin');
        const n = await camera.getObject(handle, {
          to: slow,
          onProgress: () => (maxBuffered = Math.max(maxBuffered, slow.writableLength)),
        });
        expect(n).to.equal(BigInt(big.length));
      });
      slow.end();
      await finished(slow);
      expect(Buffer.concat(received).equals(big)).to.equal(true);
      // The device sends 1 MiB chunks: with backpressure at most one waits in the writable.
      expect(maxBuffered).to.be.at.most(MiB);
    });

    it('getPartialObject returns the requested slice, cut at the end of the file', async () => {
      const { camera, big } = await setup();
      await camera.session(async () => {
        const handle = await handleOf(camera, 'big.bin');
        const mid = await camera.getPartialObject(handle, 1_000_000, 123_457);
        expect(Buffer.from(mid).equals(big.subarray(1_000_000, 1_123_457))).to.equal(true);
        const tail = await camera.getPartialObject(handle, big.length - 10, 1000);
        expect(Buffer.from(tail).equals(big.subarray(big.length - 10))).to.equal(true);
        const first = await camera.getPartialObject(handle, 0, 1);
        expect([...first]).to.deep.equal([big[0]]);
      });
    });

    it('getThumb serves the EXIF thumbnail of a JPEG already on the card, straight from the file', async () => {
      const { camera, root } = await setup();
      const thumbnail = sampleJpeg(160, 120, 7);
      await writeFile(path.join(root, 'photo.jpg'), withExifThumbnail(sampleJpeg(640, 480, 7), thumbnail));
      await camera.session(async () => {
        const handle = await handleOf(camera, 'photo.jpg');
        const info = await camera.getObjectInfo(handle);
        expect([info.imagePixWidth, info.imagePixHeight]).to.deep.equal([640, 480]);
        expect([info.thumbFormat, info.thumbCompressedSize]).to.deep.equal([ObjectFormatCode.ExifJpeg, thumbnail.length]);
        expect([info.thumbPixWidth, info.thumbPixHeight]).to.deep.equal([160, 120]);
        expect(Buffer.from(await camera.getThumb(handle)).equals(Buffer.from(thumbnail))).to.equal(true);
      });
    });

    it('getThumb returns a JPEG for a captured image and NoThumbnailPresent for a text file', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        const done = nextEvent(camera, (e) => e.code === EventCode.CaptureComplete);
        const added: number[] = [];
        camera.on('event', (e) => {
          if (e.code === EventCode.ObjectAdded) added.push(e.params[0]!);
        });
        await camera.initiateCapture();
        await done;
        const image = added.at(-1)!;
        const thumb = await camera.getThumb(image);
        expect([...thumb.subarray(0, 2)]).to.deep.equal([0xff, 0xd8]);
        const info = await camera.getObjectInfo(image);
        expect(info.thumbCompressedSize).to.equal(thumb.length);
        expect(info.thumbFormat).to.equal(ObjectFormatCode.ExifJpeg);
        const err = await expectResponse(camera.getThumb(await handleOf(camera, 'notes.txt')), 'NoThumbnailPresent');
        expect(err.operationName).to.equal('GetThumb');
      });
    });
  });

  describe('uploads and deletes', () => {
    it('moveObject moves a file into a folder on disk and keeps its handle', async () => {
      const { camera, root, text } = await setup();
      await camera.session(async () => {
        const notes = await handleOf(camera, 'notes.txt');
        const sub = await handleOf(camera, 'sub');
        await camera.moveObject(notes, STORAGE, sub);
        const info = await camera.getObjectInfo(notes);
        expect(info.parentObject).to.equal(sub);
        expect(Buffer.from(await camera.getObject(notes)).toString()).to.equal(text);
        expect(await camera.getObjectHandles(STORAGE, { parent: sub })).to.include(notes);
      });
      expect(await readFile(path.join(root, 'sub', 'notes.txt'), 'utf8')).to.equal(text);
      expect(await readdir(root)).to.not.include('notes.txt');
    });

    it('moveObject of a folder keeps the handles of what is inside it', async () => {
      const { camera, root, inner } = await setup();
      await camera.session(async () => {
        await camera.getObjectHandles(STORAGE); // list everything, so inner.txt has a handle
        const sub = await handleOf(camera, 'sub');
        const innerHandle = await handleOf(camera, 'inner.txt');
        const dest = (await camera.createFolder('dest', { storageId: STORAGE, parent: 'root' })).handle;
        expect((await camera.getObjectInfo(dest)).objectFormat).to.equal(ObjectFormatCode.Association);
        await camera.moveObject(sub, STORAGE, dest);
        expect(Buffer.from(await camera.getObject(innerHandle)).toString()).to.equal(inner);
        await expectResponse(camera.moveObject(dest, STORAGE, sub), 'InvalidParentObject'); // into its own child
      });
      expect(await readFile(path.join(root, 'dest', 'sub', 'inner.txt'), 'utf8')).to.equal(inner);
    });

    it('copyObject makes a second, identical file with a new handle', async () => {
      const { camera, root, big } = await setup();
      await camera.session(async () => {
        const original = await handleOf(camera, 'big.bin');
        const sub = await handleOf(camera, 'sub');
        const copy = await camera.copyObject(original, STORAGE, sub);
        expect(copy).to.not.equal(original);
        expect(Buffer.from(await camera.getObject(copy)).equals(big)).to.equal(true);
        expect((await camera.getObjectInfo(copy)).parentObject).to.equal(sub);
        // Copying again into the same folder does not overwrite: the copy gets a new name.
        const again = await camera.copyObject(original, STORAGE, sub);
        expect((await camera.getObjectInfo(again)).filename).to.equal('big_1.bin');
      });
      expect((await readFile(path.join(root, 'sub', 'big.bin'))).equals(big)).to.equal(true);
      expect((await readFile(path.join(root, 'big.bin'))).equals(big)).to.equal(true);
    });

    it('moveObject and copyObject refuse bad handles, storages and read-only stores', async () => {
      const { camera } = await setup({ readOnly: true });
      await camera.session(async () => {
        const notes = await handleOf(camera, 'notes.txt');
        await expectResponse(camera.moveObject(0x7777, STORAGE), 'InvalidObjectHandle');
        await expectResponse(camera.copyObject(notes, 0x00990001), 'InvalidStorageID');
        await expectResponse(camera.moveObject(notes, STORAGE, 0x7777), 'InvalidParentObject');
        await expectResponse(camera.copyObject(notes, STORAGE), 'StoreReadOnly');
      });
    });

    it('uploadObject sends a file in one call, its format taken from the name', async () => {
      const { camera, root } = await setup();
      const content = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
      await camera.session(async () => {
        const sent = await camera.uploadObject('tiny.jpg', content, { storageId: STORAGE, parent: 'root' });
        const info = await camera.getObjectInfo(sent.handle);
        expect(info.filename).to.equal('tiny.jpg');
        expect(info.objectFormat).to.equal(ObjectFormatCode.ExifJpeg);
        expect(info.objectCompressedSize).to.equal(4);
      });
      expect((await readFile(path.join(root, 'tiny.jpg'))).equals(content)).to.equal(true);
    });

    it('sendObjectInfo + sendObject from a Buffer creates the file', async () => {
      const { camera, root } = await setup();
      const content = Buffer.from('uploaded by a test\n');
      await camera.session(async () => {
        const sent = await camera.sendObjectInfo(objectInfo('upload.txt', content.length), { storageId: STORAGE, parent: 'root' });
        expect(sent.storageId).to.equal(STORAGE);
        expect(sent.parentHandle).to.equal(0);
        expect(sent.handle).to.be.greaterThan(0);
        await camera.sendObject(content);
        const info = await camera.getObjectInfo(sent.handle);
        expect(info.filename).to.equal('upload.txt');
        expect(info.objectCompressedSize).to.equal(content.length);
        expect(Buffer.from(await camera.getObject(sent.handle)).equals(content)).to.equal(true);
      });
      expect((await readFile(path.join(root, 'upload.txt'))).equals(content)).to.equal(true);
    });

    it('sendObject streams a 5 MiB { length, chunks } source into a subfolder', async () => {
      const { camera, root } = await setup();
      const parts = Array.from({ length: 5 }, () => randomBytes(MiB));
      const whole = Buffer.concat(parts);
      await camera.session(async () => {
        const sub = await handleOf(camera, 'sub');
        const sent = await camera.sendObjectInfo(objectInfo('stream.bin', whole.length, ObjectFormatCode.Undefined), {
          storageId: STORAGE,
          parent: sub,
        });
        expect(sent.parentHandle).to.equal(sub);
        const progress: bigint[] = [];
        await camera.sendObject(
          {
            length: whole.length,
            chunks: (async function* () {
              for (const p of parts) yield p;
            })(),
          },
          { onProgress: (d) => progress.push(d) },
        );
        expect(progress.at(-1)).to.equal(BigInt(whole.length));
        const info = await camera.getObjectInfo(sent.handle);
        expect(info.filename).to.equal('stream.bin');
        expect(info.parentObject).to.equal(sub);
        expect(info.objectCompressedSize).to.equal(whole.length);
      });
      expect((await readFile(path.join(root, 'sub', 'stream.bin'))).equals(whole)).to.equal(true);
    });

    it('refuses an upload named ../escape.txt with InvalidDataset and writes nothing outside the root', async () => {
      const { camera, base, root } = await setup();
      const before = (await readdir(root)).sort();
      await camera.session(async () => {
        await expectResponse(
          camera.sendObjectInfo(objectInfo('../escape.txt', 5), { storageId: STORAGE, parent: 'root' }),
          'InvalidDataset',
        );
        // Nothing is pending, so the data has nowhere to go.
        await expectResponse(camera.sendObject(Buffer.from('oops!')), 'NoValidObjectInfo');
      });
      expect(await readdir(base)).to.deep.equal(['card']);
      expect((await readdir(root)).sort()).to.deep.equal(before);
    });

    it('deleteObject removes the file', async () => {
      const { camera, root } = await setup();
      await camera.session(async () => {
        const handle = await handleOf(camera, 'notes.txt');
        await camera.deleteObject(handle);
        expect((await handlesByName(camera)).has('notes.txt')).to.equal(false);
        await expectResponse(camera.getObjectInfo(handle), 'InvalidObjectHandle');
      });
      expect(await readdir(root)).to.not.include('notes.txt');
    });

    it('a read-only storage refuses deletes and uploads with StoreReadOnly', async () => {
      const { camera, root } = await setup({ readOnly: true });
      await camera.session(async () => {
        const info = await camera.getStorageInfo(STORAGE);
        expect(info.accessCapability).to.not.equal(0);
        await expectResponse(camera.deleteObject(await handleOf(camera, 'notes.txt')), 'StoreReadOnly');
        await expectResponse(
          camera.sendObjectInfo(objectInfo('new.txt', 3), { storageId: STORAGE, parent: 'root' }),
          'StoreReadOnly',
        );
      });
      expect((await readdir(root)).sort()).to.deep.equal(['big.bin', 'notes.txt', 'sub']);
    });
  });

  describe('capture', () => {
    it('initiateCapture: ObjectAdded for the new image, then CaptureComplete, all with the capture transaction ID', async () => {
      const { camera, root } = await setup();
      await camera.session(async () => {
        const events: CameraEvent[] = [];
        camera.on('event', (e) => events.push(e));
        const done = nextEvent(camera, (e) => e.code === EventCode.CaptureComplete);
        const { transactionId } = await camera.initiateCapture();
        expect(transactionId).to.be.greaterThan(0);
        const complete = await done;

        expect(events.at(-1)).to.equal(complete);
        expect(complete.params).to.deep.equal([transactionId]);
        expect(events.map((e) => e.name)).to.deep.equal(['ObjectAdded', 'ObjectAdded', 'ObjectAdded', 'CaptureComplete']);
        for (const e of events) expect(e.transactionId).to.equal(transactionId);
        const [dcim, folder, image] = events.map((e) => e.params[0]!);
        expect((await camera.getObjectInfo(dcim!)).filename).to.equal('DCIM');
        const info = await camera.getObjectInfo(image!);
        expect(info.objectFormat).to.equal(ObjectFormatCode.ExifJpeg);
        expect(info.parentObject).to.equal(folder);
        expect(info.imagePixWidth).to.equal(640);
        const onDisk = await readFile(path.join(root, 'DCIM', '100PTPTS', info.filename));
        expect([...onDisk.subarray(0, 2)]).to.deep.equal([0xff, 0xd8]);
        expect(onDisk.length).to.equal(info.objectCompressedSize);
        expect(Buffer.from(await camera.getObject(image!)).equals(onDisk)).to.equal(true);
      });
    });

    it('terminateOpenCapture needs the transaction ID of initiateOpenCapture', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        const { transactionId } = await camera.initiateOpenCapture();
        await expectResponse(camera.terminateOpenCapture(transactionId + 100), 'InvalidTransactionID');
        const complete = nextEvent(camera, (e) => e.code === EventCode.CaptureComplete);
        await camera.terminateOpenCapture(transactionId);
        expect((await complete).transactionId).to.equal(transactionId);
        // Terminating again is not an error: the capture already ended.
        await camera.terminateOpenCapture(transactionId);
      });
    });
  });

  describe('properties', () => {
    it('getDevicePropDesc(BatteryLevel) has a range form', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        const desc = await camera.getDevicePropDesc(DevicePropCode.BatteryLevel);
        expect(desc.propertyCode).to.equal(0x5001);
        expect(desc.dataType).to.equal(DataType.UINT8);
        expect(desc.getSet).to.equal(0);
        expect(desc.currentValue).to.equal(87);
        expect(desc.form).to.deep.equal({ kind: 'range', min: 0, max: 100, step: 1 });
      });
    });

    it('getDevicePropValue decodes by datatype: a number for UINT16, a string for DateTime', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        const f = await camera.getDevicePropValue(DevicePropCode.FNumber);
        expect(f).to.equal(560);
        const dt = await camera.getDevicePropValue(DevicePropCode.DateTime);
        expect(dt).to.be.a('string').and.to.match(/^\d{8}T\d{6}/);
      });
    });

    it('setDevicePropValue(FNumber, 280) sticks and raises DevicePropChanged', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        const changed = nextEvent(camera, (e) => e.code === EventCode.DevicePropChanged);
        await camera.setDevicePropValue(DevicePropCode.FNumber, 280);
        expect(await camera.getDevicePropValue(DevicePropCode.FNumber)).to.equal(280);
        const e = await changed;
        expect(e.name).to.equal('DevicePropChanged');
        expect(e.params).to.deep.equal([0x5007]);
      });
    });

    it('refuses a value outside the enumeration with InvalidDevicePropValue', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        await expectResponse(camera.setDevicePropValue(DevicePropCode.FNumber, 300), 'InvalidDevicePropValue');
        expect(await camera.getDevicePropValue(DevicePropCode.FNumber)).to.equal(560);
      });
    });

    it('refuses to set a get-only property with AccessDenied', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        await expectResponse(camera.setDevicePropValue(DevicePropCode.BatteryLevel, 50), 'AccessDenied');
        expect(await camera.getDevicePropValue(DevicePropCode.BatteryLevel)).to.equal(87);
      });
    });

    it('resetDevicePropValue restores the factory default', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        await camera.setDevicePropValue(DevicePropCode.FNumber, 1100);
        expect(await camera.getDevicePropValue(DevicePropCode.FNumber)).to.equal(1100);
        await camera.resetDevicePropValue(DevicePropCode.FNumber);
        expect(await camera.getDevicePropValue(DevicePropCode.FNumber)).to.equal(560);
      });
    });
  });

  describe('raw mode', () => {
    itTwoConnections('returns undecoded bytes, and the types say so', async () => {
      const { vcam, camera } = await setup();
      const raw = await Camera.open({ transport: vcam.connect(), raw: true });
      cleanups.push(() => raw.close());
      expect(raw.raw).to.equal(true);
      await raw.session(async () => {
        const info = await raw.getDeviceInfo();
        expect(info).to.be.instanceOf(Uint8Array);
        expect(decodeDeviceInfo(info).model).to.equal('Virtual Camera');

        // Compile-time checks: raw calls are typed as bytes, typed calls are not.
        const ids: Uint8Array = await raw.getStorageIds();
        expect(decodeStorageIds(ids)).to.deep.equal([STORAGE]);
        const handles: Uint8Array = await raw.getObjectHandles(STORAGE, { parent: 'root' });
        const first = decodeObjectHandles(handles)[0]!;
        const objectInfoBytes: Uint8Array = await raw.getObjectInfo(first);
        expect(decodeObjectInfo(objectInfoBytes).filename).to.equal('big.bin');
        const value: Uint8Array = await raw.getDevicePropValue(DevicePropCode.FNumber);
        expect([...value]).to.deep.equal([0x30, 0x02]); // 560, UINT16 little-endian
        // @ts-expect-error a typed camera returns numbers, not bytes
        const notBytes: Uint8Array = await camera.session(() => camera.getStorageIds());
        expect(notBytes).to.deep.equal([STORAGE]);
      });
    });
  });

  describe('events and the generic transaction', () => {
    it('camera.events() yields device events and ends when the camera closes', async () => {
      const { vcam, camera } = await setup();
      await camera.openSession();
      const seen = camera.events();
      const collected = (async () => {
        const out: CameraEvent[] = [];
        for await (const e of seen) out.push(e);
        return out;
      })();
      const last = nextEvent(camera, (e) => e.code === EventCode.StoreFull);
      vcam.emit({ code: EventCode.DeviceInfoChanged });
      vcam.emit({ code: EventCode.StoreFull, params: [STORAGE] });
      await last;
      await camera.close();
      const events = await within(collected, 5000, 'the end of iteration');
      expect(events.map((e) => e.name)).to.deep.equal(['DeviceInfoChanged', 'StoreFull']);
      expect(events[1]?.params).to.deep.equal([STORAGE]);
    });

    it('camera.events({ signal }) ends when the signal aborts, or at once if it already has', async () => {
      const { vcam, camera } = await setup();
      await camera.openSession();
      const controller = new AbortController();
      const seen = camera.events({ signal: controller.signal });
      const arrived = nextEvent(camera, (e) => e.code === EventCode.StoreFull);
      vcam.emit({ code: EventCode.StoreFull });
      await arrived;
      const first = await within(seen.next(), 5000, 'the first event');
      expect(first.done).to.equal(false);
      const pending = seen.next();
      controller.abort();
      expect((await within(pending, 5000, 'the end after abort')).done).to.equal(true);

      const already = camera.events({ signal: AbortSignal.abort() });
      expect((await within(already.next(), 5000, 'the end with an aborted signal')).done).to.equal(true);
      expect(camera.listenerCount('event')).to.equal(0); // both iterators let go of the camera
    });

    it('camera.transaction(GetStorageIDs, [], { receive: true }) returns the dataset bytes', async () => {
      const { camera } = await setup();
      await camera.session(async () => {
        const reply = await camera.transaction(0x1004, [], { receive: true });
        expect(reply.code).to.equal(ResponseCode.OK);
        expect(reply.transactionId).to.be.greaterThan(0);
        expect([...reply.data!]).to.deep.equal([1, 0, 0, 0, 0x01, 0x00, 0x01, 0x00]);
        // A refusal listed in accept is returned, not thrown.
        const refused = await camera.transaction(OperationCode.GetObjectInfo, [0x7fff0000], {
          receive: true,
          accept: [ResponseCode.InvalidObjectHandle],
        });
        expect(refused.code).to.equal(ResponseCode.InvalidObjectHandle);
        expect(refused.data).to.have.length(0);
      });
    });
  });

  describe('faults', () => {
    it('a busy device rejects with DeviceBusyError, and the next call works', async () => {
      const { vcam, camera } = await setup();
      await camera.session(async () => {
        vcam.device.faults.busy = 1;
        const err = await rejectionOf(camera.getStorageIds());
        expect(err).to.be.instanceOf(DeviceBusyError);
        expect((err as DeviceBusyError).code).to.equal('ERR_PTP_DEVICE_BUSY');
        expect(await camera.getStorageIds()).to.deep.equal([STORAGE]);
      });
    });

    it('a slow device times out a call with TimeoutError; the camera stays usable', async () => {
      const { vcam, camera } = await setup();
      await camera.session(async () => {
        vcam.device.faults.delayMs = 2000;
        const err = await rejectionOf(camera.getStorageIds({ timeoutMs: 50 }));
        expect(err).to.be.instanceOf(TimeoutError);
        expect((err as TimeoutError).code).to.equal('ERR_PTP_TIMEOUT');
        vcam.device.faults.delayMs = 0;
        expect(await camera.getStorageIds()).to.deep.equal([STORAGE]);
      });
    });

    it('a connection dropped in the middle of a download fails the call with TransportError, without hanging', async () => {
      const { vcam, camera } = await setup();
      await camera.openSession();
      const handle = await handleOf(camera, 'big.bin');
      const disconnected = within(new Promise<Error | undefined>((r) => camera.once('disconnect', r)), 5000, 'the disconnect event');
      vcam.device.faults.dropAfterBytes = MiB + 123;
      let received = 0;
      const err = await rejectionOf(camera.getObject(handle, { to: { write: (c) => void (received += c.length) } }), { withinMs: 5000, what: 'the failed download' });
      expect(err).to.be.instanceOf(TransportError);
      expect(received).to.be.at.most(MiB + 123);
      expect(await disconnected).to.be.instanceOf(Error);
      expect(camera.transport.isOpen).to.equal(false);
    });

    it('closing the virtual camera rejects a pending call with TransportError and emits disconnect', async () => {
      const { vcam, camera } = await setup();
      await camera.openSession();
      const disconnected = within(
        new Promise<Error | undefined>((r) => camera.once('disconnect', r)),
        5000,
        'the disconnect event',
      );
      vcam.device.faults.delayMs = 2000;
      const pending = camera.getStorageIds();
      await new Promise((r) => setTimeout(r, 20));
      await vcam.close();
      const err = await rejectionOf(pending);
      expect(err).to.be.instanceOf(TransportError);
      expect((err as TransportError).code).to.equal('ERR_PTP_TRANSPORT');
      expect(await disconnected).to.be.instanceOf(TransportError);
      expect(camera.transport.isOpen).to.equal(false);
      expect(camera.engine.inSession).to.equal(false);
    });
  });
});
