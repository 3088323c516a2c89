/** `ptpts emulate`: runs the virtual camera over PTP/IP until interrupted. */
import { startVirtualCamera } from '../responder/start.js';
import type { Output } from './commands.js';
import { UsageError } from './target.js';

/** Options of `ptpts emulate`. */
export interface EmulateOptions {
  readonly root?: string[];
  readonly personality?: string;
  readonly ptpip?: string;
  readonly readOnly?: boolean;
}

/** Parses `host[:port]`, `[v6]:port` or a bare port. */
export function parseListen(spec: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))?(?::?(\d+))?$/.exec(spec);
  const host = m?.[1] ?? m?.[2];
  if (m === null || (host === undefined && m[3] === undefined)) throw new UsageError(`--ptpip takes host[:port], e.g. 127.0.0.1:15740`);
  if (host !== undefined && /^\d+$/.test(host) && m[3] === undefined) return { host: '127.0.0.1', port: Number(host) };
  return { host: host ?? '127.0.0.1', port: m[3] !== undefined ? Number(m[3]) : 15740 };
}

/** Serves until SIGINT/SIGTERM (or until `stop` resolves, for tests). */
export async function emulateCommand(o: EmulateOptions, io: Output, stop?: Promise<void>): Promise<void> {
  const listen = parseListen(o.ptpip ?? '127.0.0.1:15740');
  const emulator = await startVirtualCamera({
    ...(o.root !== undefined && o.root.length > 0 ? { root: o.root } : {}),
    ...(o.readOnly === true ? { readOnly: true } : {}),
    ...(o.personality !== undefined ? { personality: o.personality } : {}),
    ptpip: listen,
    log: (line) => io.out(`${new Date().toISOString().slice(11, 23)} ${line}`),
  });
  const info = emulator.device.deviceInfo;
  io.out(`Virtual camera "${info.manufacturer} ${info.model}" serving ${emulator.roots.join(', ')} at ${emulator.url!}`);
  const [host, port] = [emulator.server!.address.host, emulator.server!.address.port];
  io.out(`Try: gphoto2 --port ptpip:${host}:${port}:${port} --summary   or   ptpts ls --ptpip ${host}:${port}`);
  await (stop ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    }));
  await emulator.close();
}
