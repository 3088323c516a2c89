// Runs INSIDE the usb-vm guest (bench/usb-vm.mjs starts it): downloads the same
// file from QEMU's MTP device with ptpts and with gphoto2, in the same VM boot,
// (both writing the file to the same kind of folder), and prints one line: PTPTS-BENCH {"ptpts": MiB/s, "gphoto2": MiB/s, ...}.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Camera } from '../dist/index.js';

const name = process.argv[2] ?? 'big.bin';
const MiB = 1024 * 1024;
const result = {};

const camera = await Camera.open({ transport: 'usb' });
try {
  await camera.session(async () => {
    for (const storageId of await camera.getStorageIds()) {
      for (const h of await camera.getObjectHandles(storageId, { parent: 'root' })) {
        const info = await camera.getObjectInfo(h);
        if (info.filename !== name) continue;
        // Into a file in the same kind of folder gphoto2 writes to, so both pay the same disk.
        const dir = mkdtempSync(path.join(tmpdir(), 'ptpts-'));
        const t0 = performance.now();
        const out = createWriteStream(path.join(dir, name));
        const n = await camera.getObject(h, { to: out });
        out.end();
        await finished(out);
        result.ptpts = Number(n) / MiB / ((performance.now() - t0) / 1000);
        result.bytes = Number(n);
        rmSync(dir, { recursive: true, force: true });
        result.storage = `store_${storageId.toString(16).padStart(8, '0')}`;
      }
    }
  });
} finally {
  await camera.close();
}

if (result.storage !== undefined) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'gp-'));
  try {
    const t0 = performance.now();
    execFileSync('gphoto2', ['--port', 'usb:', '--folder', `/${result.storage}`, '--get-file', '1'], { cwd, env: { ...process.env, HOME: cwd }, stdio: 'pipe' });
    const seconds = (performance.now() - t0) / 1000;
    result.gphoto2 = statSync(path.join(cwd, name)).size / MiB / seconds;
    result.gphoto2Note = 'includes process start and device setup';
  } catch (err) {
    result.gphoto2Error = String(err.message).split('\n')[0];
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
console.log(`PTPTS-BENCH ${JSON.stringify(result)}`);
