// Runs INSIDE the usb-vm guest (test/vm/usb.test.ts starts it), against the
// built package (dist/: `npm run build` first), with plain node: tsx would add
// seconds to every start in the slow software-emulated guest.
//
//   node test/vm/guest/mtp-check.mjs --dir DIR [--transport usb] [--timeout MS] [--stuck]
//
// Opens the one MTP device the VM has with Camera.open({ transport }), then:
// lists storages and (storage by storage, folder by folder: never
// GetObjectHandles(0xFFFFFFFF), which hangs uMTP-Responder 1.3.10) objects;
// downloads every file and compares its bytes with DIR (the folder the device
// serves, which the guest sees at the same path); uploads two files (one kept,
// for the host to check on disk; one deleted again); reads a device property
// and an MTP object property. With --stuck, last of all, asks for
// GetObjectHandles(0xFFFFFFFF) with a short timeout and records how that ends.
//
// Prints progress lines to stderr and ONE result line to stdout:
//   PTPTS-VM-RESULT {"ok":true,...}
// Every step is recorded even when an earlier one failed, so the host test
// can say exactly what worked.
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Camera, firstUsbCamera, mtp, PtpEngine, UsbTransport } from '../../../dist/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const DIR = opt('--dir', undefined);
const TRANSPORT = opt('--transport', 'usb');
const TIMEOUT = Number(opt('--timeout', '20000'));
const STUCK = args.includes('--stuck');
if (DIR === undefined) {
  console.error('usage: mtp-check.mjs --dir DIR [--transport usb] [--timeout MS] [--stuck]');
  process.exit(2);
}

const t0 = performance.now();
const ms = () => Math.round(performance.now() - t0);
const log = (...a) => console.error(`[${ms()} ms]`, ...a);
const sha = (b) => createHash('sha256').update(b).digest('hex');
const result = { ok: false, transport: TRANSPORT, steps: {}, timings: {} };
const errorInfo = (err) => ({ name: err?.name, message: String(err?.message ?? err) });

/** Runs one step, recording its outcome and time; returns its value or undefined. */
async function step(name, fn) {
  const start = performance.now();
  try {
    const value = await fn();
    result.steps[name] = { ok: true, ...(value !== undefined && typeof value === 'object' && !ArrayBuffer.isView(value) && !Array.isArray(value) ? value : {}) };
    return value;
  } catch (err) {
    result.steps[name] = { ok: false, error: errorInfo(err) };
    log(`${name} failed:`, err);
    return undefined;
  } finally {
    result.timings[name] = Math.round(performance.now() - start);
    log(`${name}: ${result.steps[name]?.ok ? 'ok' : 'FAILED'} (${result.timings[name]} ms)`);
  }
}

// Bytes `length` long, a pattern no file system would invent.
function pattern(length, seed) {
  const b = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

let camera;
try {
  await step('open', async () => {
    let needsSessionForDeviceInfo = false;
    try {
      camera = await Camera.open({ transport: TRANSPORT, timeoutMs: TIMEOUT });
    } catch (err) {
      // uMTP-Responder 1.3.10 answers GetDeviceInfo outside a session with
      // SessionNotOpen (PTP allows it there). Until Camera.open copes with that
      // itself: open a session first, on a transport we open ourselves.
      if (err?.responseName !== 'SessionNotOpen') throw err;
      needsSessionForDeviceInfo = true;
      const transport = new UsbTransport(await firstUsbCamera());
      await transport.open();
      await new PtpEngine(transport, { timeoutMs: TIMEOUT }).openSession();
      camera = await Camera.open({ transport, timeoutMs: TIMEOUT });
    }
    const info = camera.deviceInfo;
    return {
      needsSessionForDeviceInfo,
      description: camera.engine.transport.description,
      manufacturer: info.manufacturer,
      model: info.model,
      extension: camera.extension.name,
      operations: info.operationsSupported.length,
      deviceProps: info.devicePropertiesSupported,
    };
  });
  if (camera === undefined) throw new Error('open failed');

  await step('openSession', async () => { await camera.openSession(); });

  const storages = await step('storages', async () => {
    const ids = await camera.getStorageIds();
    const list = [];
    for (const id of ids) {
      const s = await camera.getStorageInfo(id);
      list.push({ id, description: s.storageDescription, capacity: String(s.maxCapacity), free: String(s.freeSpaceInBytes) });
    }
    return { list };
  });
  const storageIds = storages?.list.map((s) => s.id) ?? [];
  const storageId = storageIds[0];

  // Every object, storage by storage, folder by folder.
  const files = [];
  await step('list', async () => {
    let folders = 0;
    for (const sid of storageIds) {
      const walk = async (parent, prefix) => {
        for (const h of await camera.getObjectHandles(sid, { parent })) {
          const oi = await camera.getObjectInfo(h);
          const rel = prefix === '' ? oi.filename : `${prefix}/${oi.filename}`;
          if (oi.objectFormat === 0x3001) {
            folders++;
            await walk(h, rel);
          } else {
            files.push({ handle: h, path: rel, size: oi.objectCompressedSize });
          }
        }
      };
      await walk('root', '');
    }
    return { files: files.map((f) => ({ path: f.path, size: f.size })), folders };
  });

  await step('download', async () => {
    const checked = [];
    let bytes = 0;
    const start = performance.now();
    for (const f of files) {
      const data = await camera.getObject(f.handle);
      bytes += data.length;
      const onHost = path.join(DIR, f.path);
      const expected = existsSync(onHost) ? readFileSync(onHost) : undefined;
      checked.push({
        path: f.path,
        size: data.length,
        sha256: sha(data),
        same: expected !== undefined && expected.length === data.length && Buffer.compare(expected, Buffer.from(data.buffer, data.byteOffset, data.length)) === 0,
      });
    }
    const seconds = (performance.now() - start) / 1000;
    if (checked.some((c) => !c.same)) throw Object.assign(new Error(`bytes differ: ${checked.filter((c) => !c.same).map((c) => c.path).join(', ')}`), { name: 'Mismatch' });
    return { checked, bytes, mibPerSecond: Math.round((bytes / 1048576 / seconds) * 100) / 100 };
  });

  // Upload: one file that stays (the host compares it after the run) and one
  // deleted again. 1000003 bytes: more than one 512 KiB transfer, and a last
  // transfer that is not a multiple of 64 bytes (QEMU's usb-mtp takes a
  // transfer that is for the end of SendObject's data).
  const kept = pattern(1000003, 7);
  await step('upload', async () => {
    const placed = await camera.uploadObject('ptpts-kept.bin', kept, { storageId, parent: 'root' });
    const oi = await camera.getObjectInfo(placed.handle);
    const back = await camera.getObject(placed.handle);
    return {
      handle: placed.handle,
      filename: oi.filename,
      size: oi.objectCompressedSize,
      sha256: sha(kept),
      readBackSame: back.length === kept.length && sha(back) === sha(kept),
    };
  });

  await step('delete', async () => {
    const doomed = pattern(1000, 9);
    const placed = await camera.uploadObject('ptpts-deleted.bin', doomed, { storageId, parent: 'root' });
    const before = await camera.getObjectHandles(storageId, { parent: 'root' });
    await camera.deleteObject(placed.handle);
    const after = await camera.getObjectHandles(storageId, { parent: 'root' });
    return { handle: placed.handle, listedBefore: before.includes(placed.handle), listedAfter: after.includes(placed.handle) };
  });

  // A container that fills its last packet exactly (12 + 500 = 512 bytes) ends
  // with a zero-length packet. A device may take it (uMTP-Responder) or not
  // (QEMU's usb-mtp stalls it and waits for more data): either the upload works
  // or it fails with a clear error, and the session goes on.
  await step('alignedUpload', async () => {
    const bytes = pattern(500, 11);
    let outcome;
    try {
      const placed = await camera.uploadObject('ptpts-aligned.bin', bytes, { storageId, parent: 'root' });
      const back = await camera.getObject(placed.handle);
      outcome = { uploaded: true, readBackSame: sha(back) === sha(bytes) };
      await camera.deleteObject(placed.handle);
    } catch (err) {
      outcome = { uploaded: false, error: errorInfo(err) };
    }
    const storagesAfter = (await camera.getStorageIds()).length;
    return { ...outcome, storagesAfter };
  });

  await step('deviceProp', async () => {
    const code = camera.deviceInfo.devicePropertiesSupported[0];
    if (code === undefined) return { code: null };
    const desc = await camera.getDevicePropDesc(code);
    const value = await camera.getDevicePropValue(code);
    return { code, dataType: desc.dataType, value: typeof value === 'bigint' ? String(value) : value };
  });

  await step('objectProp', async () => {
    const first = files.find((f) => f.size > 0) ?? files[0];
    if (first === undefined || !camera.supportsOperation(0x9803)) return { skipped: true };
    const api = mtp(camera);
    const format = (await camera.getObjectInfo(first.handle)).objectFormat;
    const supported = await api.getObjectPropsSupported(format);
    const values = {};
    for (const code of supported) {
      const v = await api.getObjectPropValue(first.handle, code, { format });
      values['0x' + code.toString(16)] = typeof v === 'bigint' ? String(v) : v;
    }
    // ObjectSize (0xDC04), when the device has it, must match the file.
    const size = values['0xdc04'];
    return { path: first.path, expectedSize: first.size, supported: supported.length, values, sizeMatches: size === undefined ? null : Number(size) === first.size };
  });

  if (STUCK) {
    // uMTP-Responder 1.3.10 answers GetObjectHandles(0xFFFFFFFF) with
    // InvalidStorageID and leaves a mutex locked: every later request that
    // takes it (GetObjectHandles, GetObjectInfo, GetObject ...) never gets an
    // answer. The transport must time out, name the operation, and not hang.
    await step('stuck', async () => {
      const timeoutMs = 4000;
      const attempt = async (fn) => {
        const start = performance.now();
        try {
          return { value: await fn(), ms: Math.round(performance.now() - start) };
        } catch (err) {
          return { error: errorInfo(err), ms: Math.round(performance.now() - start) };
        }
      };
      const allStorages = await attempt(async () => (await camera.getObjectHandles(0xffffffff, {}, { timeoutMs })).length);
      const handles = await attempt(async () => (await camera.getObjectHandles(storageId, { parent: 'root' }, { timeoutMs })).length);
      // After the timeout: does the link still carry requests that do not need that mutex?
      const storagesAfter = await attempt(async () => (await camera.getStorageIds({ timeoutMs })).length);
      return { allStorages, handles, storagesAfter, transportOpen: camera.engine.transport.isOpen };
    });
  }
} catch (err) {
  result.fatal = errorInfo(err);
} finally {
  if (camera !== undefined) {
    await step('close', async () => {
      // A hung device must not hang close(): it gets 10 s.
      let timer;
      await Promise.race([
        camera.close(),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('close() did not return in 10 s')), 10_000); }),
      ]).finally(() => clearTimeout(timer));
    });
  }
  result.ok = Object.values(result.steps).every((s) => s.ok);
  result.totalMs = ms();
  process.stdout.write(`PTPTS-VM-RESULT ${JSON.stringify(result)}\n`);
  // node-usb may keep the event loop alive (a transfer libusb never returns): leave anyway.
  process.exit(0);
}
