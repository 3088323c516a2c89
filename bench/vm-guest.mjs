// Runs INSIDE the usb-vm guest (bench/usb-vm.mjs starts it): downloads the same
// file from QEMU's MTP device with ptpts and with gphoto2, in the same VM boot
// (both writing the file to the same kind of folder), and prints one line:
//   PTPTS-BENCH {"ptpts": MiB/s, "gphoto2": MiB/s, "runs": [...], ...}
//
//   node bench/vm-guest.mjs NAME [--usb-module DIR]... [--upload MB] [--repeat N]
//
// Each ptpts run is its own process (so two USB libraries never share one):
// node-usb from the project's node_modules with the default settings, and for
// each --usb-module DIR (another node-usb, e.g. 3.x installed elsewhere) that
// one with one transfer per endpoint at a time (node-usb 3.1 rejects a second
// transfer on a busy endpoint), plus the project's node-usb the same way for
// comparison. --upload MB also times an upload of that size (+1 byte: QEMU's
// usb-mtp cannot take a packet-aligned one) in each run. --repeat N runs the
// whole set N times, interleaved, since a shared machine makes single runs noisy.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Camera, findUsbCameras, nodeUsbSource, UsbTransport } from '../dist/index.js';

const MiB = 1024 * 1024;
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const all = (name) => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]] : []));
const name = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--'))) ?? 'big.bin';
const uploadMb = opt('--upload') !== undefined ? Number(opt('--upload')) : undefined;

if (args.includes('--child')) {
  console.log(`PTPTS-RUN ${JSON.stringify(await child(opt('--usb-module'), opt('--concurrent')))}`);
  process.exit(0);
}

/** One ptpts run: open, download `name` into a file, optionally upload; MiB/s. */
async function child(moduleDir, concurrent) {
  const out = {};
  let source;
  if (moduleDir !== undefined) {
    const entry = createRequire(import.meta.url).resolve(moduleDir);
    out.version = JSON.parse(readFileSync(path.join(moduleDir, 'package.json'), 'utf8')).version;
    const { WebUSB } = await import(pathToFileURL(entry).href);
    source = new WebUSB({ allowAllDevices: true });
  } else {
    source = await nodeUsbSource();
    out.version = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('usb/package.json'), 'utf8')).version;
  }
  const [info] = await findUsbCameras({}, { source });
  if (info === undefined) throw new Error('no camera');
  const transport = new UsbTransport(info.device, {
    source,
    endpoints: info.endpoints,
    ...(concurrent !== undefined ? { concurrentTransfers: Number(concurrent) } : {}),
  });
  out.concurrentTransfers = transport.concurrentTransfers;
  const camera = await Camera.open({ transport, timeoutMs: 60_000 });
  try {
    await camera.session(async () => {
      const storageId = (await camera.getStorageIds())[0];
      out.storage = `store_${storageId.toString(16).padStart(8, '0')}`;
      for (const h of await camera.getObjectHandles(storageId, { parent: 'root' })) {
        const oi = await camera.getObjectInfo(h);
        if (oi.filename !== name) continue;
        // Into a file in the same kind of folder gphoto2 writes to, so both pay the same disk.
        const dir = mkdtempSync(path.join(tmpdir(), 'ptpts-'));
        const t0 = performance.now();
        const file = createWriteStream(path.join(dir, name));
        const n = await camera.getObject(h, { to: file });
        file.end();
        await finished(file);
        out.download = Number(n) / MiB / ((performance.now() - t0) / 1000);
        out.bytes = Number(n);
        rmSync(dir, { recursive: true, force: true });
      }
      if (uploadMb !== undefined) {
        const length = uploadMb * 1000 * 1000 + 1;
        const chunk = new Uint8Array(MiB).fill(0x5a);
        const chunks = (async function* () {
          for (let left = length; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
        })();
        const t0 = performance.now();
        const placed = await camera.uploadObject('ptpts-upload.bin', { length, chunks }, { storageId, parent: 'root' });
        out.upload = length / MiB / ((performance.now() - t0) / 1000);
        await camera.deleteObject(placed.handle);
      }
    });
  } finally {
    await camera.close();
  }
  return out;
}

const self = fileURLToPath(import.meta.url);
const runs = [];
const plans = [{ label: 'project node-usb, default settings' }];
if (all('--usb-module').length > 0) plans.push({ label: 'project node-usb, 1 IN transfer in flight', concurrent: '1' });
for (const m of all('--usb-module')) plans.push({ label: `${m}, 1 IN transfer in flight`, module: m, concurrent: '1' });
const repeat = Number(opt('--repeat') ?? 1);
for (const plan of Array.from({ length: repeat }, () => plans).flat()) {
  const childArgs = [self, name, '--child', ...(plan.module !== undefined ? ['--usb-module', plan.module] : []),
    ...(plan.concurrent !== undefined ? ['--concurrent', plan.concurrent] : []), ...(uploadMb !== undefined ? ['--upload', String(uploadMb)] : [])];
  try {
    const text = execFileSync(process.execPath, childArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    const line = text.split('\n').find((l) => l.startsWith('PTPTS-RUN '));
    runs.push({ ...plan, ...JSON.parse(line.slice('PTPTS-RUN '.length)) });
  } catch (err) {
    runs.push({ ...plan, error: String(err.stderr || err.message).trim().split('\n').slice(-3).join(' | ') });
  }
}

const result = { ptpts: runs[0]?.download, bytes: runs[0]?.bytes, runs };
const storage = runs.find((r) => r.storage !== undefined)?.storage;
if (storage !== undefined) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'gp-'));
  try {
    const t0 = performance.now();
    execFileSync('gphoto2', ['--port', 'usb:', '--folder', `/${storage}`, '--get-file', '1'], { cwd, env: { ...process.env, HOME: cwd }, stdio: 'pipe' });
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
