// Runs INSIDE the usb-vm guest with QEMU's usb-mtp device (test/vm/usb.test.ts
// starts it), against the built package (dist/):
//
//   node test/vm/guest/hotplug-check.mjs
//
// 1. kernelDriver: binds a kernel driver (usb-storage, through new_id: it takes
//    any interface with an interrupt endpoint as CBI) to the MTP interface,
//    waits until its probe is done (the SCSI host it adds last) and udev has
//    handled it, opens the camera with ptpts, and records which driver the
//    interface has before, while open and after close (node-usb's WebUSB has
//    libusb detach it on claim and re-attach it on release). usb-storage's SCSI
//    scan, which resets the device over and over, is held off meanwhile.
// 2. hotplug: watches with watchUsbCameras, opens the camera, then unplugs it
//    (the root hub port's sysfs `disable`) and plugs it back, recording the
//    watch's events, the camera's `disconnect` and how a call made after the
//    unplug ends. Then once more with an idle UsbTransport that does not poll
//    the interrupt endpoint, so no transfer is in flight: only the hot plug
//    event can tell it the device is gone.
//
// node-usb's prebuilt libusb learns of devices coming and going from udev (its
// device list too), so this starts the host's systemd-udevd in the guest first,
// as on a desktop.
//
// Prints ONE result line to stdout: PTPTS-VM-RESULT {"ok":true,"steps":{...}}
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Camera, findUsbCameras, nodeUsbSource, UsbTransport, watchUsbCameras } from '../../../dist/index.js';

const UDEVD = ['/lib/systemd/systemd-udevd', '/usr/lib/systemd/systemd-udevd'].find((f) => existsSync(f));

const t0 = performance.now();
const ms = () => Math.round(performance.now() - t0);
const log = (...a) => console.error(`[${ms()} ms]`, ...a);
const errorInfo = (err) => ({ name: err?.name, code: err?.code, message: String(err?.message ?? err) });
const result = { ok: false, steps: {} };

async function step(name, fn) {
  const start = performance.now();
  try {
    result.steps[name] = { ok: true, ...(await fn()) };
  } catch (err) {
    result.steps[name] = { ok: false, error: errorInfo(err) };
    log(`${name} failed:`, err);
  }
  result.steps[name].ms = Math.round(performance.now() - start);
  log(`${name}: ${result.steps[name].ok ? 'ok' : 'FAILED'}`);
}

const sleep = (n) => new Promise((r) => setTimeout(r, n));
async function until(what, cond, limit = 20_000) {
  const end = Date.now() + limit;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** sysfs name of QEMU's usb-mtp device (46f4:0004), e.g. 1-1, or undefined when it is not there. */
function mtpDevice() {
  const base = '/sys/bus/usb/devices';
  for (const name of execFileSync('ls', [base], { encoding: 'utf8' }).split('\n')) {
    if (!/^\d+-[\d.]+$/.test(name)) continue;
    try {
      const id = execFileSync('cat', [`${base}/${name}/idVendor`, `${base}/${name}/idProduct`], { encoding: 'utf8' }).split('\n');
      if (id[0] === '46f4' && id[1] === '0004') return name;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
const driverOf = (iface) => {
  const link = `/sys/bus/usb/devices/${iface}/driver`;
  return existsSync(link) ? path.basename(readlinkSync(link)) : null;
};

const dev = mtpDevice();
result.device = dev;
const iface = `${dev}:1.0`;

await step('udevd', async () => {
  if (UDEVD === undefined) throw new Error('systemd-udevd not found (apt-get install udev)');
  execFileSync(UDEVD, ['--daemon'], { stdio: 'ignore' });
  execFileSync('udevadm', ['settle', '--timeout=20']);
  return { path: UDEVD };
});

/** usb-storage's delay before it scans the bound interface for SCSI disks, in seconds. */
const DELAY_USE = '/sys/module/usb_storage/parameters/delay_use';
/** Whether usb-storage's probe of the interface has finished: its SCSI host (hostN) is added last. */
const scsiHostAdded = (iface) => readdirSync(`/sys/bus/usb/devices/${iface}`).some((n) => /^host\d+$/.test(n));
/** Waits for udev to have handled every event the kernel has sent (the bind, the SCSI host), if udevadm is here. */
function udevSettle() {
  try {
    execFileSync('udevadm', ['settle', '--timeout=20']);
    return true;
  } catch (err) {
    if (err.code === 'ENOENT') return false;
    throw err;
  }
}

await step('kernelDriver', async () => {
  execFileSync('modprobe', ['usb-storage']);
  // usb-storage scans the interface for disks delay_use seconds after binding, and resets the
  // device again and again when the MTP interface does not answer SCSI: hold that scan off for
  // longer than this step, so only ptpts touches the device (claiming the interface unbinds
  // usb-storage, which cancels the pending scan). Restored below.
  const delayUse = readFileSync(DELAY_USE, 'utf8').trim();
  writeFileSync(DELAY_USE, '600');
  writeFileSync('/sys/bus/usb/drivers/usb-storage/new_id', '46f4 0004');
  try {
    // The driver link appears before usb-storage's probe returns; its SCSI host at the end of it.
    const before = await until('usb-storage to bind and finish probing', () => (scsiHostAdded(iface) ? driverOf(iface) : null));
    const settled = udevSettle();
    const camera = await Camera.open({ transport: 'usb', timeoutMs: 20_000 });
    let whileOpen;
    let model;
    try {
      whileOpen = driverOf(iface);
      model = (await camera.getDeviceInfo()).model;
    } finally {
      await camera.close();
    }
    const after = await until('a driver to be re-attached', () => driverOf(iface), 5000).catch(() => null);
    return { before, settled, whileOpen, model, after };
  } finally {
    // Leave the interface free for what follows.
    writeFileSync('/sys/bus/usb/drivers/usb-storage/remove_id', '46f4 0004');
    if (driverOf(iface) === 'usb-storage') writeFileSync('/sys/bus/usb/drivers/usb-storage/unbind', iface);
    writeFileSync(DELAY_USE, delayUse);
  }
});

await step('hotplug', async () => {
  const events = [];
  const watch = await watchUsbCameras({}, {
    onAttach: (c) => events.push({ event: 'attach', id: `${c.vendorId.toString(16)}:${c.productId.toString(16)}`, at: ms() }),
    onDetach: (c) => events.push({ event: 'detach', id: `${c.vendorId.toString(16)}:${c.productId.toString(16)}`, at: ms() }),
  });
  const port = `/sys/bus/usb/devices/${dev.replace(/-.*/, '')}-0:1.0/usb${dev.replace(/-.*/, '')}-port${dev.replace(/^\d+-/, '')}/disable`;
  const present = watch.cameras.map((c) => `${c.vendorId.toString(16)}:${c.productId.toString(16)}`);
  let disconnect;
  let callAfterUnplug;
  let idleDisconnect;
  try {
    const camera = await Camera.open({ transport: 'usb', timeoutMs: 60_000 });
    camera.on('disconnect', (err) => {
      disconnect = { at: ms(), error: err === undefined ? undefined : errorInfo(err) };
    });
    const unpluggedAt = ms();
    writeFileSync(port, '1');
    await until('the camera\'s disconnect event', () => disconnect !== undefined);
    const callStart = ms();
    try {
      await camera.getDeviceInfo();
      callAfterUnplug = { ok: true };
    } catch (err) {
      callAfterUnplug = { ok: false, error: errorInfo(err), ms: ms() - callStart };
    }
    await until('the watch to see the detach', () => events.some((e) => e.event === 'detach'));
    await camera.close();
    writeFileSync(port, '0');
    await until('the watch to see the camera again', () => events.some((e) => e.event === 'attach'));
    disconnect.afterUnplugMs = disconnect.at - unpluggedAt;

    // Idle, nothing in flight: the source's disconnect event alone ends the link.
    const source = await nodeUsbSource();
    const [info] = await findUsbCameras({ vendorId: 0x46f4 }, { source });
    const idle = new UsbTransport(info.device, { source, endpoints: { ...info.endpoints, interruptIn: undefined } });
    await idle.open();
    idleDisconnect = {};
    idle.onDisconnect((err) => Object.assign(idleDisconnect, { at: ms(), error: err === undefined ? undefined : errorInfo(err) }));
    const idleUnplugAt = ms();
    writeFileSync(port, '1');
    await until('the idle transport\'s disconnect', () => idleDisconnect.at !== undefined);
    idleDisconnect.afterUnplugMs = idleDisconnect.at - idleUnplugAt;
    await idle.close();
    writeFileSync(port, '0');
    await until('the watch to see the camera a second time', () => events.filter((e) => e.event === 'attach').length === 2);
  } finally {
    watch.stop();
  }
  return { present, events, disconnect, callAfterUnplug, idleDisconnect };
});

result.ok = Object.values(result.steps).every((s) => s.ok);
result.totalMs = ms();
console.log(`PTPTS-VM-RESULT ${JSON.stringify(result)}`);
// node-usb may still hold a libusb handle of the unplugged device: do not wait for it.
process.exit(0);
