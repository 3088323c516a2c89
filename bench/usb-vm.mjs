// `npm run bench:usb`: issue #7's download benchmark in the QEMU VM (needs
// `npm run setup:system` and `npm run build`): the same 200 MB file from QEMU's
// MTP device with ptpts and with `gphoto2 --get-file`, in the same VM boot.
//
//   npm run bench:usb [-- --usb-module DIR]... [--upload MB] [--size MB] [--repeat N]
//
// --usb-module DIR: also run ptpts on another node-usb (e.g. 3.x installed in a
// scratch folder: `npm install --prefix /tmp/usb3 usb@3`, then
// --usb-module /tmp/usb3/node_modules/usb), in the same boot.
// --upload MB: also time an upload of that size in each ptpts run.
// --repeat N: every ptpts run N times, interleaved (single runs are noisy on a busy machine).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, ftruncateSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const modules = args.flatMap((a, i) => (a === '--usb-module' && args[i + 1] !== undefined ? [path.resolve(args[i + 1])] : []));
const sizeMb = Number(opt('--size') ?? 200);
const upload = opt('--upload');
const repeat = opt('--repeat');

// Outside /tmp when that is a tmpfs of its own: the guest sees this machine's files but not /run or /dev/shm.
let base = tmpdir();
if (base.startsWith('/run') || base.startsWith('/dev/shm')) base = '/var/tmp';
const dir = mkdtempSync(path.join(base, 'ptpts-usb-bench-'));
try {
  const fd = openSync(path.join(dir, 'big.bin'), 'w');
  ftruncateSync(fd, sizeMb * 1000 * 1000);
  closeSync(fd);
  const guestArgs = ['bench/vm-guest.mjs', 'big.bin', ...modules.flatMap((m) => ['--usb-module', m]), ...(upload !== undefined ? ['--upload', upload] : []), ...(repeat !== undefined ? ['--repeat', repeat] : [])];
  const out = execFileSync(path.join(root, 'test/vm/usb-vm'), ['run', '--mtp', dir, '--timeout', '1800', '--', 'node', ...guestArgs], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = out.split('\n').find((l) => l.startsWith('PTPTS-BENCH '));
  if (line === undefined) throw new Error(`no result from the VM:\n${out}`);
  const r = JSON.parse(line.slice('PTPTS-BENCH '.length));
  const rate = (v) => (v !== undefined ? `${v.toFixed(1)} MiB/s` : '-');
  console.log(`case (QEMU usb-mtp, ${sizeMb} MB, one VM boot)                     download      upload`);
  console.log('-----------------------------------------------------------------  ------------  ------------');
  for (const run of r.runs) {
    const label = `ptpts, node-usb ${run.version ?? '?'}${run.module !== undefined ? ` (${run.module})` : ''}, ${run.concurrentTransfers ?? run.concurrent ?? '?'} IN transfers in flight`;
    console.log(`${label.padEnd(65)}  ${run.error !== undefined ? `FAILED: ${run.error}` : `${rate(run.download).padEnd(12)}  ${rate(run.upload)}`}`);
  }
  console.log(`${'gphoto2 --get-file, same file and boot'.padEnd(65)}  ${r.gphoto2 !== undefined ? rate(r.gphoto2) : r.gphoto2Error}`);
  if (r.gphoto2 !== undefined && r.ptpts !== undefined) console.log(`${'ptpts (default) vs gphoto2'.padEnd(65)}  ${(r.ptpts / r.gphoto2).toFixed(2)} x (target >= 1)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
