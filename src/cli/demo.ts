/**
 * `ptpts demo` (what `npm start` runs): starts the embedded virtual camera on
 * loopback PTP/IP, connects to it with the library over TCP, shows DeviceInfo, lists storage,
 * downloads a file, captures, and prints the events that arrive.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Camera } from '../camera.js';
import { EventCode } from '../core/codes/events.js';
import { startVirtualCamera } from '../responder/start.js';
import type { Output } from './commands.js';
import { deviceInfoLines, humanSize } from './format.js';
import { listObjects } from './listing.js';

/** Runs the demo. */
export async function demoCommand(io: Output): Promise<void> {
  // Port 0: a free loopback port, so the demo never collides with a real service on 15740.
  const emulator = await startVirtualCamera({ ptpip: { host: '127.0.0.1', port: 0 } });
  const url = emulator.url!;
  io.out(`Virtual camera serving ${emulator.roots.join(', ')} at ${url}`);
  const camera = await Camera.open({ transport: url });
  camera.on('event', (e) => io.out(`  event: ${camera.codeNames.describe('event', e.code)} params [${e.params.join(', ')}] (transaction ${e.transactionId})`));
  try {
    io.out('\n== DeviceInfo');
    for (const line of deviceInfoLines(camera.deviceInfo, camera.codeNames)) io.out(line);
    io.out(`Extension:          ${camera.extension.name}`);

    await camera.session(async () => {
      io.out('\n== Storage');
      const objects = await listObjects(camera);
      for (const o of objects) io.out(`${o.handle.toString().padStart(4)}  ${o.isFolder ? '      -' : humanSize(o.info.objectCompressedSize).padStart(7)}  ${o.path}`);

      const first = objects.find((o) => !o.isFolder);
      if (first !== undefined) {
        io.out('\n== Download');
        const bytes = await camera.getObject(first.handle);
        const dir = await mkdtemp(path.join(tmpdir(), 'ptpts-demo-'));
        const file = path.join(dir, first.info.filename);
        await writeFile(file, bytes);
        io.out(`${first.path} -> ${file} (${humanSize(bytes.length)})`);
      }

      io.out('\n== Capture');
      const events = camera.events();
      const { transactionId } = await camera.initiateCapture();
      io.out(`InitiateCapture accepted (transaction ${transactionId}); waiting for CaptureComplete`);
      const timeout = setTimeout(() => void events.return?.(), 10_000);
      for await (const e of events) {
        if (e.code === EventCode.CaptureComplete) break;
      }
      clearTimeout(timeout);
      const captured = (await listObjects(camera)).filter((o) => !objects.some((x) => x.handle === o.handle) && !o.isFolder);
      for (const o of captured) io.out(`captured ${o.path} (${o.info.imagePixWidth}x${o.info.imagePixHeight}, ${humanSize(o.info.objectCompressedSize)})`);
    });
  } finally {
    await camera.close();
    await emulator.close();
  }
  io.out('\nDone.');
}
