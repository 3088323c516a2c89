/** Sample content for a virtual camera started without a folder: a DCIM tree with a few JPEGs. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleJpeg, withExifThumbnail } from './jpeg.js';

/** Creates a temporary folder laid out like a camera card and returns its path. */
export async function createSampleCard(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'ptpts-card-'));
  const dir = path.join(root, 'DCIM', '100SAMPL');
  await mkdir(dir, { recursive: true });
  for (let i = 1; i <= 3; i++) {
    await writeFile(path.join(dir, `SAMP${String(i).padStart(4, '0')}.JPG`), withExifThumbnail(sampleJpeg(320, 240, i * 3), sampleJpeg(160, 120, i * 3)));
  }
  await writeFile(path.join(root, 'README.TXT'), 'Sample card of the ptpts virtual camera.\n');
  return root;
}
