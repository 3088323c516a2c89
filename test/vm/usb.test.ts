/**
 * The USB transport in a real kernel USB stack: a QEMU VM (test/vm/usb-vm)
 * whose guest runs test/vm/guest/mtp-check.mjs against the BUILT package
 * (dist/), once with QEMU's emulated MTP device (usb-mtp) and once with
 * uMTP-Responder as a USB gadget, each serving a temp folder made here.
 * The guest opens the device with Camera.open({ transport: 'usb' }), lists,
 * downloads every file, uploads, deletes, reads properties and prints one
 * JSON line, which these tests check (and the folder on disk). A third run
 * (test/vm/guest/hotplug-check.mjs, usb-mtp) unplugs and replugs the device
 * through its root hub port and binds a kernel driver to its interface:
 * hot plug events, `disconnect`, and the driver detached and re-attached.
 *
 * Needs Linux with QEMU, a kernel in /boot, busybox-static ... (`npm run
 * setup:system`, or `test/vm/usb-vm install`), and `npm run build` first.
 * Outside CI a missing piece skips; in CI it fails. Each VM run takes ~30 s
 * (software emulation, no KVM).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTool, skipOrFail } from '../interop/tools.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const USB_VM = path.join(HERE, 'usb-vm');
const GUEST_SCRIPT = path.join(HERE, 'guest', 'mtp-check.mjs');
const HOTPLUG_SCRIPT = path.join(HERE, 'guest', 'hotplug-check.mjs');
/** udevd, started in the guest: node-usb's libusb hears hot plug (and updates its device list) through udev. */
const UDEVD = ['/lib/systemd/systemd-udevd', '/usr/lib/systemd/systemd-udevd'].find((f) => existsSync(f));
const INSTALL_HINT = 'test/vm/usb-vm install';
/** Wall-clock limit of one VM run (usb-vm's own --timeout, in s). */
const VM_TIMEOUT_S = 240;

interface AttemptResult {
  readonly value?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
  readonly ms: number;
}

/** What mtp-check.mjs prints (the fields these tests read). */
interface GuestResult {
  readonly ok: boolean;
  readonly fatal?: { readonly name: string; readonly message: string };
  readonly totalMs: number;
  readonly timings: Record<string, number>;
  readonly steps: {
    readonly [name: string]: { readonly ok: boolean; readonly error?: { name: string; message: string } } & Record<string, unknown>;
  };
}

/** The folder the device serves: a few files, one ~3 MiB, one in a subfolder, edge sizes. */
const FIXTURE: ReadonlyArray<readonly [string, number]> = [
  ['big.bin', 3 * 1024 * 1024 + 123],
  ['small.txt', 6],
  ['empty.txt', 0],
  ['sub/zlp-500.bin', 500], // 12 + 500 = 512: a download that ends on a packet boundary, then a zero-length packet
  ['sub/packet-512.bin', 512],
];

function makeFixture(): string {
  // The guest sees this machine's files except /run and /dev/shm, which are its own.
  let base = os.tmpdir();
  if (base.startsWith('/run') || base.startsWith('/dev/shm')) base = '/var/tmp';
  const dir = mkdtempSync(path.join(base, 'ptpts-vm-'));
  for (const [name, size] of FIXTURE) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), size === 6 ? Buffer.from('hello\n') : randomBytes(size));
  }
  return dir;
}

interface VmRun {
  readonly result: GuestResult;
  readonly output: string;
  readonly wallMs: number;
}

/** Runs mtp-check.mjs (or `script`) in the VM with `device` (mtp or umtp) serving `dir`. */
function runVm(device: 'mtp' | 'umtp', dir: string, extra: readonly string[] = [], script = GUEST_SCRIPT): Promise<VmRun> {
  const start = Date.now();
  const args = ['run', `--${device}`, dir, '--timeout', String(VM_TIMEOUT_S), '--',
    process.execPath, script, ...(script === GUEST_SCRIPT ? ['--dir', dir] : []), ...extra];
  return new Promise((resolve, reject) => {
    execFile(USB_VM, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const line = stdout.split('\n').find((l) => l.startsWith('PTPTS-VM-RESULT '));
      if (line === undefined) {
        const status = err !== null ? ` (exit status ${String((err as { code?: unknown }).code)})` : '';
        reject(new Error(`no result line from the VM${status}; its output, last part:\n${output.slice(-4000)}`));
        return;
      }
      const wallMs = Date.now() - start;
      const result = JSON.parse(line.slice('PTPTS-VM-RESULT '.length)) as GuestResult;
      const download = result.steps['download']?.['mibPerSecond'];
      process.stderr.write(`      [usb-vm --${device}: ${(wallMs / 1000).toFixed(1)} s in all, ${(result.totalMs / 1000).toFixed(1)} s in the guest script` +
        `${download !== undefined ? `; download ${String(download)} MiB/s` : ''}]\n`);
      resolve({ result, output, wallMs });
    });
  });
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The "ok" of one step, with the guest's output in the message when it failed. */
function expectStep(run: VmRun, name: string): Record<string, unknown> {
  const s = run.result.steps[name];
  expect(s, `step ${name} did not run; guest output:\n${run.output.slice(-3000)}`).to.not.equal(undefined);
  expect(s!.ok, `step ${name} failed: ${JSON.stringify(s!.error)}\nguest output:\n${run.output.slice(-3000)}`).to.equal(true);
  return s!;
}

/** Checks shared by both devices: listing, downloads, upload, delete, properties. */
function commonChecks(get: () => { run: VmRun; dir: string }): void {
  it('Camera.open({ transport: "usb" }) finds the device and reads DeviceInfo', () => {
    const { run } = get();
    expect(run.result.fatal, JSON.stringify(run.result.fatal)).to.equal(undefined);
    const open = expectStep(run, 'open');
    expect(open['extension']).to.equal('mtp');
    expectStep(run, 'openSession');
    const storages = expectStep(run, 'storages')['list'] as unknown[];
    expect(storages).to.have.length(1);
  });

  it('lists every object, storage by storage, folder by folder', () => {
    const { run } = get();
    const list = expectStep(run, 'list');
    const files = (list['files'] as Array<{ path: string; size: number }>).filter((f) => !f.path.startsWith('ptpts-'));
    expect(files.map((f) => [f.path, f.size]).sort()).to.deep.equal(FIXTURE.map(([n, s]) => [n, s]).sort());
    expect(list['folders']).to.equal(1);
  });

  it('downloads every file byte-identical to the folder it serves', () => {
    const { run, dir } = get();
    const download = expectStep(run, 'download');
    const checked = download['checked'] as Array<{ path: string; size: number; sha256: string; same: boolean }>;
    expect(checked.filter((c) => !c.path.startsWith('ptpts-'))).to.have.length(FIXTURE.length);
    for (const c of checked) {
      expect(c.same, c.path).to.equal(true);
      if (!c.path.startsWith('ptpts-')) expect(c.sha256, c.path).to.equal(sha256(readFileSync(path.join(dir, c.path))));
    }
  });

  it('uploads a file (read back identical, and identical on disk) and deletes another', () => {
    const { run, dir } = get();
    const upload = expectStep(run, 'upload');
    expect(upload['readBackSame']).to.equal(true);
    expect(upload['filename']).to.equal('ptpts-kept.bin');
    expect(upload['size']).to.equal(1000003);
    expect(sha256(readFileSync(path.join(dir, 'ptpts-kept.bin')))).to.equal(upload['sha256']);
    const del = expectStep(run, 'delete');
    expect(del['listedBefore']).to.equal(true);
    expect(del['listedAfter']).to.equal(false);
    expect(existsSync(path.join(dir, 'ptpts-deleted.bin'))).to.equal(false);
  });

  it('reads device and object properties', () => {
    const { run } = get();
    expectStep(run, 'deviceProp');
    const prop = expectStep(run, 'objectProp');
    if (prop['skipped'] !== true) expect(prop['sizeMatches']).to.not.equal(false);
    expectStep(run, 'close');
  });
}

describe('USB in a VM (QEMU, real kernel USB stack)', function () {
  this.timeout((VM_TIMEOUT_S + 60) * 1000);

  before(requireTool('qemu-system-x86_64', INSTALL_HINT));
  before(function () {
    if (process.platform !== 'linux') skipOrFail(this, 'the USB VM tests need Linux');
    if (!readdirSync('/boot').some((f) => f.startsWith('vmlinuz-'))) {
      skipOrFail(this, `no kernel in /boot for the USB VM: run \`npm run setup:system\` (or ${INSTALL_HINT})`);
    }
    if (!existsSync(path.join(ROOT, 'dist', 'index.js'))) skipOrFail(this, 'dist/ missing: run `npm run build` first');
  });
  before(requireTool('busybox', INSTALL_HINT));

  describe("QEMU's usb-mtp device (46f4:0004)", () => {
    let dir = '';
    let run: VmRun | undefined;
    before(async function () {
      dir = makeFixture();
      run = await runVm('mtp', dir);
    });
    after(() => {
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });
    const get = (): { run: VmRun; dir: string } => ({ run: run!, dir });

    commonChecks(get);

    it('Camera.open needs no workaround', () => {
      expect(expectStep(run!, 'open')['needsSessionForDeviceInfo']).to.equal(false);
    });

    it('a packet-aligned upload, which usb-mtp cannot take (it stalls the zero-length packet), fails cleanly and the session goes on', () => {
      const aligned = expectStep(run!, 'alignedUpload');
      expect(aligned['uploaded']).to.equal(false);
      expect((aligned['error'] as { message: string }).message).to.match(/stalled the bulk OUT endpoint during SendObject.*zero-length packet/);
      expect(aligned['storagesAfter']).to.equal(1);
    });
  });

  describe("QEMU's usb-mtp device: hot plug and a kernel driver on its interface", () => {
    let dir = '';
    let run: VmRun | undefined;
    before(function () {
      if (UDEVD === undefined) skipOrFail(this, `systemd-udevd missing (the guest needs it for hot plug): ${INSTALL_HINT}`);
    });
    before(async function () {
      dir = makeFixture();
      run = await runVm('mtp', dir, [], HOTPLUG_SCRIPT);
    });
    after(() => {
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    it('a kernel driver bound to the MTP interface is detached while ptpts has it, and re-attached on close', () => {
      const k = expectStep(run!, 'kernelDriver');
      expect(k['before']).to.equal('usb-storage');
      expect(k['settled'], 'udevadm settle ran').to.equal(true);
      expect(k['whileOpen']).to.be.oneOf([null, 'usbfs']);
      expect(k['model']).to.equal('QEMU filesharing');
      expect(k['after']).to.equal('usb-storage');
    });

    it('watchUsbCameras lists the camera, then reports it unplugged and plugged back, twice', () => {
      const h = expectStep(run!, 'hotplug');
      expect(h['present']).to.deep.equal(['46f4:4']);
      expect((h['events'] as Array<{ event: string; id: string }>).map((e) => `${e.event} ${e.id}`)).to.deep.equal([
        'detach 46f4:4', 'attach 46f4:4', 'detach 46f4:4', 'attach 46f4:4',
      ]);
    });

    it('an open camera emits disconnect (a TransportError) at once when unplugged, and later calls fail with a TransportError', () => {
      const h = expectStep(run!, 'hotplug');
      const d = h['disconnect'] as { error: { name: string; code: string }; afterUnplugMs: number };
      expect(d.error.name).to.equal('TransportError');
      expect(d.afterUnplugMs).to.be.below(3000);
      const call = h['callAfterUnplug'] as { ok: boolean; error: { name: string; message: string }; ms: number };
      expect(call.ok).to.equal(false);
      expect(call.error.name).to.equal('TransportError');
      expect(call.error.message).to.match(/is not open/);
      expect(call.ms).to.be.below(1000);
    });

    it('an idle transport with no transfer in flight learns of the unplug from the hot plug event alone', () => {
      const h = expectStep(run!, 'hotplug');
      const d = h['idleDisconnect'] as { error: { name: string; message: string }; afterUnplugMs: number };
      expect(d.error.name).to.equal('TransportError');
      expect(d.error.message).to.match(/was unplugged$/);
      expect(d.afterUnplugMs).to.be.below(3000);
    });
  });

  describe('uMTP-Responder 1.3 as a USB gadget (1d6b:0100)', () => {
    let dir = '';
    let run: VmRun | undefined;
    before(requireTool('umtprd', INSTALL_HINT));
    before(async function () {
      dir = makeFixture();
      run = await runVm('umtp', dir, ['--stuck']);
    });
    after(() => {
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });
    const get = (): { run: VmRun; dir: string } => ({ run: run!, dir });

    commonChecks(get);

    it('a packet-aligned upload (with its zero-length packet) works', () => {
      const aligned = expectStep(run!, 'alignedUpload');
      expect(aligned['uploaded'], JSON.stringify(aligned['error'])).to.equal(true);
      expect(aligned['readBackSame']).to.equal(true);
    });

    it('when the device stops answering (its GetObjectHandles(0xFFFFFFFF) bug), a TimeoutError names the operation, and nothing hangs', () => {
      const stuck = expectStep(run!, 'stuck');
      const all = stuck['allStorages'] as AttemptResult;
      expect(all.error?.message).to.match(/InvalidStorageID/);
      const next = stuck['handles'] as AttemptResult;
      expect(next.error?.name).to.equal('TimeoutError');
      expect(next.error?.message).to.match(/^GetObjectHandles \(transaction \d+\) got no answer for 4000 ms/);
      expect(next.ms).to.be.below(4000 + 3000);
      // What follows depends on the device (uMTP re-enumerates after the Cancel): it must fail or work, not hang.
      const after = stuck['storagesAfter'] as AttemptResult;
      expect(after.ms).to.be.below(10_000);
      expectStep(run!, 'close');
    });

    it('Camera.open copes with GetDeviceInfo needing a session (uMTP answers SessionNotOpen outside one)', function () {
      // mtp-check.mjs opens a session first when Camera.open fails that way; until Camera.open
      // does it itself, this stays pending instead of failing.
      if (expectStep(run!, 'open')['needsSessionForDeviceInfo'] === true) this.skip();
    });
  });
});
