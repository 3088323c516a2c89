// `npm run bench:usb`: issue #7's download benchmark in the QEMU VM (needs
// `npm run setup:system` and `npm run build`): the same 200 MB file from QEMU's
// MTP device with ptpts and with `gphoto2 --get-file`, in the same VM boot.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, ftruncateSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'ptpts-usb-bench-'));
try {
  const fd = openSync(path.join(dir, 'big.bin'), 'w');
  ftruncateSync(fd, 200 * 1000 * 1000);
  closeSync(fd);
  const out = execFileSync(path.join(root, 'test/vm/usb-vm'), ['run', '--mtp', dir, '--timeout', '900', '--', 'node', 'bench/vm-guest.mjs', 'big.bin'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = out.split('\n').find((l) => l.startsWith('PTPTS-BENCH '));
  if (line === undefined) throw new Error(`no result from the VM:\n${out}`);
  const r = JSON.parse(line.slice('PTPTS-BENCH '.length));
  console.log('case                                     result');
  console.log('---------------------------------------  ------------');
  console.log(`ptpts GetObject, 200 MB (QEMU usb-mtp)   ${r.ptpts?.toFixed(1)} MiB/s`);
  console.log(`gphoto2 --get-file, same file and boot   ${r.gphoto2 !== undefined ? r.gphoto2.toFixed(1) + ' MiB/s' : r.gphoto2Error}`);
  if (r.gphoto2 !== undefined) console.log(`ptpts vs gphoto2                         ${(r.ptpts / r.gphoto2).toFixed(2)} x (target >= 1)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
