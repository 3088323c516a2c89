/**
 * Which device the conformance suite talks to: `PTPTS_TARGET` is `emulator`
 * (the default, so the suite also runs in CI), `emulator:PERSONALITY` (e.g.
 * `emulator:nikon-d750`), `usb`, `usb:VID:PID` or
 * `ptpip://host[:port]`. Tests that change the device (capture, property
 * writes, reset) run on a real device only with `PTPTS_ALLOW_WRITES=1`.
 */
import { Camera } from '../../src/camera.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../../src/responder/start.js';

export const targetSpec = process.env['PTPTS_TARGET'] ?? 'emulator';
/** `emulator` or `emulator:PERSONALITY` (e.g. `emulator:canon-eos-60d`). */
export const isEmulator = targetSpec === 'emulator' || targetSpec.startsWith('emulator:');
const personality = targetSpec.startsWith('emulator:') ? targetSpec.slice('emulator:'.length) : undefined;
export const writesAllowed = isEmulator || process.env['PTPTS_ALLOW_WRITES'] === '1';

export interface Target {
  readonly camera: Camera;
  close(): Promise<void>;
}

export async function openTarget(): Promise<Target> {
  let emulator: RunningVirtualCamera | undefined;
  if (isEmulator) emulator = await startVirtualCamera(personality !== undefined ? { personality } : {});
  const camera = await Camera.open({ transport: emulator !== undefined ? emulator.connect() : targetSpec });
  return {
    camera,
    close: async () => {
      await camera.close();
      await emulator?.close();
    },
  };
}
