/**
 * `startVirtualCamera()`: a ready-to-use virtual camera. Serves a folder (or a
 * generated sample card) and hands out connections to it.
 */
import { rm } from 'node:fs/promises';
import type { Transport } from '../core/transport.js';
import { createInProcessPair } from '../transports/in-process.js';
import { PtpIpServer } from '../transports/ptpip/server.js';
import { resolvePersonality } from './personalities/index.js';
import { createSampleCard } from './samples.js';
import { VirtualCamera, type VirtualCameraOptions } from './virtual-camera.js';

/** Options of {@link startVirtualCamera}. */
export interface StartVirtualCameraOptions
  extends Partial<Pick<VirtualCameraOptions, 'deviceInfo' | 'log' | 'captureSize' | 'openCaptureIntervalMs' | 'behaviour' | 'allowFormat'>> {
  /** Folder(s) to serve, one storage each. Default: a temporary sample card, removed on close. */
  readonly root?: string | readonly string[];
  /** Serve the folders read-only. */
  readonly readOnly?: boolean;
  /**
   * Whom to imitate: `ptp` (default), a recorded device such as `sony-a6000` or
   * `canon-eos-60d` (see `personalityNames()`), or a path to a DeviceInfo JSON file.
   * Explicit `deviceInfo` fields win over the personality's.
   */
  readonly personality?: string;
  /**
   * Also serve over PTP/IP. `host` defaults to 127.0.0.1 (loopback), `port` to
   * 15740; port 0 picks a free one (see `url`).
   */
  readonly ptpip?: { readonly host?: string; readonly port?: number; readonly allowGuids?: readonly (Uint8Array | string)[] };
}

/** A running virtual camera. */
export interface RunningVirtualCamera extends AsyncDisposable {
  /** The responder, for fault injection and inspection. */
  readonly device: VirtualCamera;
  /** Folders served. */
  readonly roots: readonly string[];
  /** A new in-process connection to the camera (open it, or pass it to `Camera.open`). */
  connect(): Transport;
  /** The PTP/IP server, when started with `ptpip`. */
  readonly server: PtpIpServer | undefined;
  /** `ptpip://host:port` to connect to, when started with `ptpip`. */
  readonly url: string | undefined;
  /** Sends an event to connected initiators. */
  emit(event: { readonly code: number; readonly params?: readonly number[]; readonly transactionId?: number }): void;
  /** Disconnects everyone and removes a generated sample card. */
  close(): Promise<void>;
}

/** Starts a virtual camera. */
export async function startVirtualCamera(options: StartVirtualCameraOptions = {}): Promise<RunningVirtualCamera> {
  // Resolved first: an unknown name must fail before anything is created.
  const personality = await resolvePersonality(options.personality ?? 'ptp');
  const generated = options.root === undefined ? await createSampleCard() : undefined;
  const roots = generated !== undefined ? [generated] : typeof options.root === 'string' ? [options.root] : [...(options.root ?? [])];
  const device = await VirtualCamera.create({
    storages: roots.map((root) => ({ root, readOnly: options.readOnly ?? false })),
    deviceInfo: { ...personality.deviceInfo, ...options.deviceInfo },
    // An explicit behaviour (e.g. with test timings) replaces the personality's own.
    ...(options.behaviour !== undefined ? { behaviour: options.behaviour }
      : personality.behaviour !== undefined ? { behaviour: personality.behaviour } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
    ...(options.captureSize !== undefined ? { captureSize: options.captureSize } : {}),
    ...(options.openCaptureIntervalMs !== undefined ? { openCaptureIntervalMs: options.openCaptureIntervalMs } : {}),
    ...(options.allowFormat !== undefined ? { allowFormat: options.allowFormat } : {}),
  });
  const links: Array<() => Promise<void>> = [];
  let server: PtpIpServer | undefined;
  if (options.ptpip !== undefined) {
    server = await PtpIpServer.listen({
      ...(options.ptpip.host !== undefined ? { host: options.ptpip.host } : {}),
      ...(options.ptpip.port !== undefined ? { port: options.ptpip.port } : {}),
      ...(options.ptpip.allowGuids !== undefined ? { allowGuids: options.ptpip.allowGuids } : {}),
      friendlyName: responderName(device.deviceInfo),
      attach: (link) => void device.attach(link, { wire: 'ptpip' }),
      ...(options.log !== undefined ? { log: options.log } : {}),
    });
  }
  const close = async (): Promise<void> => {
    await server?.close();
    for (const l of links.splice(0)) await l();
    if (generated !== undefined) await rm(generated, { recursive: true, force: true });
  };
  return {
    device,
    roots,
    server,
    url: server?.url,
    connect() {
      const pair = createInProcessPair({ description: 'virtual camera (in-process)' });
      device.attach(pair.responder);
      links.push(() => pair.responder.close());
      return pair.initiator;
    },
    emit: (event) => device.emit(event),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * The name announced in the Init Command Ack: the model, with the maker in
 * front unless the model already names it ("Canon EOS 60D", "Nikon
 * Corporation D750"), so an initiator can tell the vendor before DeviceInfo.
 */
function responderName(info: { readonly manufacturer: string; readonly model: string }): string {
  const maker = info.manufacturer.split(/[\s.,]/)[0] ?? '';
  if (maker !== '' && info.model.toLowerCase().includes(maker.toLowerCase())) return info.model;
  return `${info.manufacturer} ${info.model}`.trim();
}
