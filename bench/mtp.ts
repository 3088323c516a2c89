/** MTP listing figures from issue #8: 10,000 objects over loopback PTP/IP, one GetObjectPropList vs one GetObjectInfo each. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Camera } from '../src/camera.js';
import { mtp } from '../src/extensions/mtp/api.js';
import { startVirtualCamera } from '../src/responder/start.js';
import type { Result } from './harness.js';

export async function mtpBench(): Promise<Result[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ptpts-bench-mtp-'));
  try {
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => writeFile(path.join(dir, `IMG_${String(i + j).padStart(5, '0')}.JPG`), 'x')));
    }
    const emu = await startVirtualCamera({ root: dir, personality: 'mtp', ptpip: { host: '127.0.0.1', port: 0 } });
    const camera = await Camera.open({ transport: emu.url! });
    try {
      return await camera.session(async () => {
        const time = async (via: 'propList' | 'objectInfo'): Promise<number> => {
          const t0 = performance.now();
          const listed = await mtp(camera).listObjects(0x00010001, { via });
          if (listed.length !== 10_000) throw new Error(`listed ${listed.length} objects`);
          return performance.now() - t0;
        };
        await time('propList'); // warm up: the first listing reads every file's metadata
        const propList = Math.min(await time('propList'), await time('propList'));
        const objectInfo = await time('objectInfo');
        return [
          { name: 'list 10,000 objects, GetObjectPropList', value: propList, unit: 'ms', target: { op: '<=', value: 200, text: '<= 200 ms' } },
          { name: 'list 10,000 objects, GetObjectInfo each', value: objectInfo, unit: 'ms', target: { op: '<=', value: 2000, text: '<= 2000 ms' } },
        ];
      });
    } finally {
      await camera.close();
      await emu.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
