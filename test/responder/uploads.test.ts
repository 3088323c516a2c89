/**
 * Uploads into the virtual camera's folder: what ends up on disk when the file
 * system misbehaves or the name is long.
 */
import { expect } from 'chai';
import { mkdtemp, open, readFile, readdir, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Camera } from '../../src/camera.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../../src/responder/start.js';

const STORAGE = 0x00010001;

describe('virtual camera: uploads', () => {
  let root: string;
  let emu: RunningVirtualCamera;
  let camera: Camera;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'ptpts-uploads-'));
    emu = await startVirtualCamera({ root });
    camera = await Camera.open({ transport: emu.connect() });
    await camera.openSession();
  });
  afterEach(async () => {
    await camera.close();
    await emu.close();
    await rm(root, { recursive: true, force: true });
  });

  it('a write the file system takes only part of is finished, not left short (disk nearly full)', async () => {
    // Every FileHandle shares one prototype: make each write take at most half of what it is given.
    const probe = await open(path.join(root, '.probe'), 'w');
    type Write = (this: FileHandle, buffer: Uint8Array, offset?: number, length?: number, position?: number) => Promise<unknown>;
    const proto = Object.getPrototypeOf(probe) as { write: Write };
    await probe.close();
    await rm(path.join(root, '.probe'));
    const original = proto.write;
    let partial = 0;
    proto.write = function (this: FileHandle, buffer, offset, length, position) {
      const n = length ?? buffer.length - (offset ?? 0);
      if (n > 1) partial++;
      return original.call(this, buffer, offset, n > 1 ? Math.ceil(n / 2) : n, position);
    };
    const content = new Uint8Array(3 * 1024 * 1024 + 12345).map((_, i) => (i * 7) & 0xff);
    try {
      await camera.uploadObject('big.bin', content, { storageId: STORAGE, parent: 'root' });
    } finally {
      proto.write = original;
    }
    expect(partial, 'the file system never took part of a write').to.be.greaterThan(0);
    const onDisk = await readFile(path.join(root, 'big.bin'));
    expect(onDisk.length).to.equal(content.length);
    expect(onDisk.equals(content)).to.equal(true);
  });

  it('takes a file whose (valid) name is too long to carry a temporary prefix', async () => {
    const name = `${'n'.repeat(240)}.txt`; // 244 bytes: fits the 255-byte limit, not with a prefix added
    await camera.uploadObject(name, new TextEncoder().encode('long'), { storageId: STORAGE, parent: 'root' });
    expect(await readFile(path.join(root, name), 'utf8')).to.equal('long');
    expect((await readdir(root)).filter((f) => f.startsWith('.ptpts-'))).to.deep.equal([]);
  });
});
