/**
 * Target flags shared by every command: which device to talk to.
 * `--usb [vid:pid]`, `--ptpip host[:port]`, `--emulator [personality]`.
 */
import { Camera } from '../camera.js';
import type { Transport } from '../core/transport.js';
import { startVirtualCamera, type RunningVirtualCamera } from '../responder/start.js';
import { PTPIP_DEFAULT_PORT } from '../transports/resolve.js';

/** The parsed target flags. */
export interface TargetOptions {
  readonly usb?: string | boolean;
  readonly ptpip?: string;
  readonly emulator?: string | boolean;
  /** Folder the emulator serves (default: a generated sample card). */
  readonly root?: string;
  readonly timeout?: string;
}

/** An open camera plus whatever must be stopped with it. */
export interface OpenTarget {
  readonly camera: Camera;
  close(): Promise<void>;
}

/** Builds the transport string or instance from the flags. */
async function transportFor(o: TargetOptions): Promise<{ transport: Transport | string; emulator?: RunningVirtualCamera }> {
  const chosen = [o.usb !== undefined, o.ptpip !== undefined, o.emulator !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('choose one of --usb, --ptpip, --emulator');
  if (o.emulator !== undefined) {
    const personality = typeof o.emulator === 'string' ? o.emulator : 'ptp';
    let emulator: RunningVirtualCamera;
    try {
      emulator = await startVirtualCamera({ personality, ...(o.root !== undefined ? { root: o.root } : {}) });
    } catch (err) {
      if (err instanceof RangeError) {
        throw new UsageError(`${err.message}; to pass objects, put them before --emulator or write --emulator=ptp`);
      }
      throw err;
    }
    return { transport: emulator.connect(), emulator };
  }
  if (o.ptpip !== undefined) {
    const hasPort = /^\[.*\]:\d+$|^[^:\]]+:\d+$/.test(o.ptpip);
    const host = o.ptpip.includes(':') && !o.ptpip.startsWith('[') && !hasPort ? `[${o.ptpip}]` : o.ptpip;
    return { transport: `ptpip://${host}${hasPort ? '' : `:${PTPIP_DEFAULT_PORT}`}` };
  }
  if (typeof o.usb === 'string') {
    if (!/^[0-9a-f]{4}:[0-9a-f]{4}$/i.test(o.usb)) throw new UsageError(`--usb takes VID:PID in hex, e.g. 04a9:3217`);
    return { transport: `usb:${o.usb}` };
  }
  return { transport: 'usb' };
}

/** Opens the camera the flags name (USB by default). */
export async function openTarget(o: TargetOptions): Promise<OpenTarget> {
  const { transport, emulator } = await transportFor(o);
  const timeoutMs = o.timeout !== undefined ? Number(o.timeout) : undefined;
  if (timeoutMs !== undefined && !(timeoutMs >= 0)) throw new UsageError('--timeout takes milliseconds');
  try {
    const camera = await Camera.open({ transport, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    return {
      camera,
      close: async () => {
        await camera.close();
        await emulator?.close();
      },
    };
  } catch (err) {
    await emulator?.close();
    throw err;
  }
}

/** A mistake in the command line (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}
