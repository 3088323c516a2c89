/**
 * An object over 4 GiB crosses PTP/IP whole: the 64-bit Start Data length is
 * honoured end to end (libgphoto2 keeps only the low 32 bits). The file is
 * sparse, so it costs no disk; only its last bytes are real.
 */
import { expect } from 'chai';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Camera } from '../../../src/camera.js';
import { startVirtualCamera } from '../../../src/responder/start.js';

const SIZE = 4 * 1024 ** 3 + 4096; // just over 4 GiB
const TAIL = Buffer.from('end of a very large object');

describe('PTP/IP: an object over 4 GiB', function () {
  this.timeout(180_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ptpts-huge-'));
    const fh = await open(path.join(dir, 'huge.bin'), 'w');
    await fh.truncate(SIZE);
    await fh.write(TAIL, 0, TAIL.length, SIZE - TAIL.length);
    await fh.close();
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('downloads every byte, the last ones intact, with ObjectInfo saying "4 GiB or more"', async () => {
    const emu = await startVirtualCamera({ root: dir, ptpip: { port: 0 } });
    const camera = await Camera.open({ transport: emu.url! });
    try {
      await camera.session(async () => {
        const [handle] = await camera.getObjectHandles(0x00010001);
        const info = await camera.getObjectInfo(handle!);
        expect(info.objectCompressedSize).to.equal(0xffffffff);
        let announced: bigint | undefined;
        let received = 0;
        let tail = Buffer.alloc(0);
        const n = await camera.getObject(handle!, {
          to: {
            start: (total) => void (announced = total),
            write: (chunk) => {
              received += chunk.length;
              const last = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).subarray(-TAIL.length);
              tail = last.length === TAIL.length ? Buffer.from(last) : Buffer.concat([tail, last]).subarray(-TAIL.length);
            },
          },
        });
        expect(announced).to.equal(BigInt(SIZE));
        expect(n).to.equal(BigInt(SIZE));
        expect(received).to.equal(SIZE);
        expect(tail.equals(TAIL)).to.equal(true);
      });
    } finally {
      await camera.close();
      await emu.close();
    }
  });
});
